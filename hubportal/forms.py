"""Form building blocks every app uses: locale-proof date, datetime and money fields, the
league-unit pickers (one unit or several), the base model form that applies them, the
hidden version of an edit form (optimistic locking), and the one way a service's refusal is
shown on a form.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue, ModelFormMetaclass
from django.utils.html import escape

from . import freshness
from .text import CONTROL, CONTROL_MESSAGE
from .widgets import DateInput, DateTimeInput, MoneyInput, UnitSelect, UnitSelectMultiple

# What people type besides the browser's picker (a pasted date, a phone keyboard).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
MONEY_NOISE = str.maketrans("", "", ",，  ¥￥元")


class DateField(forms.DateField):
    widget = DateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)


class DateTimeField(forms.DateTimeField):
    """Read and shown in the portal's time zone (Asia/Shanghai); ISO 8601 from the browser."""

    widget = DateTimeInput


class MoneyField(forms.DecimalField):
    """Yuan to the fen: shown `1,234.50`, accepted with or without separators, ¥ or 元."""

    widget = MoneyInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # django-stubs types DecimalField.to_python as IntegerField's
        if isinstance(value, str):
            value = value.translate(MONEY_NOISE)
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The number input's min/max/step attributes would make the browser refuse "1,000".
        return {}


class UnitChoiceIterator(ModelChoiceIterator):
    """All units in one query, in tree order, each indented by its depth below the top one.

    A province's pickers list 2,000 units, on every list page's filters: the (id, label)
    pairs and their drawn `<option>`s are cached until the data change (`hubportal.freshness`),
    keyed by the query, so one user's choices are never shown to another with other rights.
    """

    def __init__(self, field: Any) -> None:
        super().__init__(field)
        self._units: list[tuple[int, str]] | None = None

    def _key(self) -> str:
        return freshness.query_key("units", self.queryset.order_by())

    def units(self) -> list[tuple[int, str]]:
        """(id, indented name) of every unit in the field's queryset, in tree order."""
        if self._units is None:
            self._units = freshness.cached(self._key(), self._load, using=self.queryset.db)
        return self._units

    def _load(self) -> list[tuple[int, str]]:
        rows = list(self.queryset.order_by("path").values_list("pk", "name", "depth"))
        top = min((depth for _pk, _name, depth in rows), default=0)
        return [(pk, "\u3000" * (depth - top) + name) for pk, name, depth in rows]

    def options_html(self, chosen: set[str]) -> str:
        """The `<option>`s, escaped, those whose value is in `chosen` selected (`UnitSelect`)."""
        html = freshness.cached(
            self._key() + ":html",
            lambda: "".join(f'<option value="{pk}">{escape(label)}</option>' for pk, label in self.units()),
            using=self.queryset.db,
        )
        for key in chosen - {""}:
            option = f'<option value="{escape(key)}">'
            html = html.replace(option, option[:-1] + " selected>", 1)
        if self.field.empty_label is None:
            return html
        selected = " selected" if "" in chosen else ""
        return f'<option value=""{selected}>{escape(self.field.empty_label)}</option>{html}'

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, label in self.units():
            # No instance: the pickers draw only the id and the label (loading 2,000 units as
            # model objects was most of a province's list page).
            yield (ModelChoiceIteratorValue(pk, None), label)  # type: ignore[arg-type]

    def __len__(self) -> int:
        # Without this, list() would ask the database for a count first.
        return len(self.units()) + (1 if self.field.empty_label is not None else 0)


class UnitChoiceField(forms.ModelChoiceField):
    """A league unit chosen from those the form was given (e.g. `visible_to(user, CHANGE)`)."""

    iterator = UnitChoiceIterator
    widget = UnitSelect


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several league units chosen from those the form was given, in tree order, indented."""

    iterator = UnitChoiceIterator
    widget = UnitSelectMultiple


def formfield_for(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """The form field of a model field, with the portal's shared widgets (ModelForm callback)."""
    from orgs.models import LeagueUnit

    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", DateField)
    elif isinstance(db_field, models.DecimalField) and getattr(db_field, "is_money", False):
        kwargs.setdefault("form_class", MoneyField)
    elif isinstance(db_field, models.ForeignKey) and db_field.related_model is LeagueUnit:
        kwargs.setdefault("form_class", UnitChoiceField)
    elif isinstance(db_field, models.TextField):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
    return db_field.formfield(**kwargs)


class _SharedWidgetsMetaclass(ModelFormMetaclass):
    """Gives every model form's Meta the shared `formfield_for`, unless it names its own."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        meta = attrs.get("Meta")
        if meta is not None and "formfield_callback" not in vars(meta):
            meta.formfield_callback = staticmethod(formfield_for)
        return super().__new__(mcs, name, bases, attrs)


class _TypedText:
    """Text as typed: a browser sends a textarea's line breaks as CR LF whatever the text
    held, so they become LF again (saving a page untouched must not rewrite every multi-line
    field); and control characters — invisible codes pasted from other programs, which no
    Excel file can hold — are refused with a message on their field."""

    cleaned_data: dict[str, Any]
    if TYPE_CHECKING:  # provided by django.forms.BaseForm, which comes after this mixin

        def add_error(self, field: str | None, error: Any) -> None: ...

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]  # django-stubs does not declare BaseForm._clean_fields
        for name, value in list(self.cleaned_data.items()):
            if not isinstance(value, str):
                continue
            if "\r" in value:
                value = self.cleaned_data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
            if CONTROL.search(value):
                self.add_error(name, CONTROL_MESSAGE)


class ModelForm(_TypedText, forms.ModelForm, metaclass=_SharedWidgetsMetaclass):
    """The base of every model form: the shared widgets for dates, money and units, and the
    acting user (`user=`) for the choices that depend on jurisdiction.

    Model validation (uniqueness, constraints, `clean()`) runs in the service with the row
    locked, not here: the form checks the shape of the input only.
    """

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def _post_clean(self) -> None:
        pass


class Form(_TypedText, forms.Form):
    """The base of every plain form that acts for a user (`user=` is optional)."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class VersionField(forms.CharField):
    """The version of the record an edit form was opened on, sent back hidden (optimistic
    locking). It is read by the service (`hubportal.services.check_version`): an empty or
    garbled value gets its message there, in the user's language, never a 500."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def add_version(form: forms.BaseForm, record: Any) -> None:
    """Carry `record.version` on `form` as the hidden `version` field — for a form that edits
    a set of rows owned by `record` (a base's checklist, a subject's self-assessment), or
    drop the field when there is no saved, versioned record (a create form)."""
    if record is None or record.pk is None or not hasattr(record, "version"):
        form.fields.pop("version", None)
        return
    form.fields["version"] = form.fields.get("version") or VersionField()
    form.fields["version"].initial = record.version


class VersionedForm(ModelForm):
    """An edit form that carries the version of the record it was opened on, so a save over
    a colleague's newer change is refused instead of silently overwriting it. The generic
    edit view passes it to the update service as `version=`."""

    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_version(self, self.instance)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: each field's errors next to the field when the
    form shows it, everything else above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, messages)
    else:
        form.add_error(None, error.messages)
