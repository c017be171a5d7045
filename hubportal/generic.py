"""Generic cadre pages parameterised by model, filterset, columns and form.

A concrete list page is a few lines: the model, its FilterSet, its columns. Every page
reads its rows through `visible_to()`, so jurisdiction is never re-implemented per view.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django 5.2, not in its stubs
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DeleteView, DetailView, ListView, UpdateView

from . import exports, pagecache
from .access import get_for, may
from .collation import sort_terms
from .forms import add_service_errors
from .history import history_of
from .jurisdiction import Action
from .pagination import CountingPaginator, wants_exact
from .personal import mask, may_see_personal, personal_fields
from .registry import list_actions_for, record_links_for
from .replica import on_replica
from .widgets import format_money

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZES = (20, 50, 100, 200)
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    """One column of a list table: a label and a dotted attribute (or a method name)."""

    label: Any
    attr: str
    link: bool = False
    order_by: str | None = None  # the ?ordering= value that sorts by this column
    money: bool = False  # an amount in yuan: exported as a number with a money format


def shown(obj: Any, column: Column, user: Any = None) -> Any:
    """A cell of a list page: amounts with thousands separators, the rest as resolved
    (personal data masked unless `user` may change the record)."""
    value = resolve(obj, column.attr, user)
    return format_money(value) if column.money and value is not None else value


def resolve(obj: Any, attr: str, user: Any = None) -> Any:
    """The value at the dotted `attr` of `obj`; a personal field (`hubportal.personal`) is
    masked unless `user` may change the record holding it."""
    value = obj
    for part in attr.split("."):
        if value is None:
            return None
        kind = personal_fields(value).get(part) if isinstance(value, models.Model) else None
        if kind is not None and not may_see_personal(user, value):
            return mask(kind, getattr(value, part))
        labels = choice_labels(type(value), part) if isinstance(value, models.Model) else None
        if labels is not None:
            raw = getattr(value, part)
            value = force_str(labels.get(make_hashable(raw), raw), strings_only=True)
            continue
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display is not None else getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


def row_cells(obj: Any, values: list[Any]) -> SafeString:
    """A list row's `<td>`s drawn in Python, as the table's template would draw them (the
    first cell links to the record; yes/no for booleans; "—" for nothing; dates and numbers
    localised): a page of 50 rows × 9 columns through template tags was most of its time."""
    yes, no = _("Yes"), _("No")
    parts = []
    for index, value in enumerate(values):
        if index == 0:
            text = "—" if value is None else value
            parts.append(f'<td><a href="{escape(obj.get_absolute_url())}">{printed(text)}</a></td>')
        elif value is True or value is False:
            parts.append(f"<td>{escape(yes if value else no)}</td>")
        else:
            parts.append(f"<td>{printed('—' if value is None else value)}</td>")
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


def printed(value: Any) -> str:
    """What `{{ value }}` prints: local time, localised, escaped unless already safe (for rows
    drawn in Python: here and `reporting.dashboards.snapshot_rows_html`)."""
    return str(conditional_escape(str(localize(template_localtime(value)))))


@functools.cache
def choice_labels(model: type[models.Model], name: str) -> dict[Any, Any] | None:
    """{value: label} of a model field with choices whose `get_<name>_display` is Django's own:
    what that method looks up, built once per field instead of on every cell (a list page
    shows 450 of them)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    method = inspect.getattr_static(model, f"get_{name}_display", None)
    if not getattr(field, "choices", None) or not isinstance(method, functools.partialmethod):
        return None
    return {make_hashable(value): label for value, label in field.flatchoices}  # type: ignore[union-attr]


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class JurisdictionMixin(LoginRequiredMixin):
    """Reads rows through `visible_to()` with the action the view needs."""

    model: Any
    action: Action = Action.VIEW

    @property
    def actor(self) -> User:
        """The logged-in user (LoginRequiredMixin turned everyone else away)."""
        return cast("User", self.request.user)  # type: ignore[attr-defined]  # the mixin stub has no request

    def scoped_queryset(self, action: Action | None = None):
        return self.model.objects.visible_to(self.actor, action or self.action)

    def get_queryset(self):
        return self.optimize(self.scoped_queryset())

    def optimize(self, queryset):
        """Add select_related/prefetch_related here so a page's query count is fixed."""
        return queryset


class ObjectListView(JurisdictionMixin, ListView):
    filterset_class: Any = None
    columns: list[Column] = []
    template_name = "generic/object_list.html"
    partial_template_name = "generic/_object_table.html"
    default_ordering: str | None = None
    title: Any = ""
    create_url_name: str | None = None
    extra_actions: list[tuple[Any, str]] = []  # (label, url name) buttons above the table
    paginator_class = CountingPaginator  # exact up to 1,000 rows, then the planner's estimate

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return CountingPaginator(
            queryset, per_page, orphans, allow_empty_first_page, exact=wants_exact(self.request.GET)
        )

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", 50))
        except ValueError:
            size = 50
        return size if size in PAGE_SIZES else 50

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = self.filterset.qs if self.filterset.is_bound else queryset
        else:
            self.filterset = None
        ordering = self.request.GET.get("ordering") or self.default_ordering
        allowed = {c.order_by for c in self.columns if c.order_by}
        allowed |= {f"-{o}" for o in allowed}
        if ordering and (ordering in allowed or ordering == self.default_ordering):
            queryset = queryset.order_by(*sort_terms(self.model, ordering), "pk")  # text by pinyin
        return queryset

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.GET.get("export") == "xlsx":
            return self.export()
        return pagecache.serve(request, lambda: super(ObjectListView, self).get(request, *args, **kwargs))

    def export(self) -> Any:
        """The list's rows under its current filters and order, every page, as Excel (read
        from the replica when there is one: the workbook is written inside the scope)."""
        return on_replica(self._export)

    def export_queryset(self) -> Any:
        """The rows of the Excel export (the list's, by default)."""
        return self.get_queryset()

    def _export(self) -> Any:
        queryset = self.export_queryset()
        rows = (
            [resolve(obj, c.attr, self.actor) for c in self.columns]
            for obj in queryset.iterator(chunk_size=EXPORT_CHUNK)
        )
        title = self.title or self.model._meta.verbose_name_plural
        handle = exports.write_sheet(
            exports.title_line(title, self.export_unit(), self.chosen_filters()),
            [c.label for c in self.columns],
            rows,
            sheet_name=str(title),
            money_columns=[i for i, c in enumerate(self.columns) if c.money],
        )
        return exports.xlsx_response(handle, self.model._meta.model_name or "export")

    def export_unit(self) -> Any:
        chosen = dict(self.filter_values())
        return chosen.get("subtree") or self.actor.primary_unit

    def filter_values(self) -> list[tuple[str, Any]]:
        """The filters the user set, by field name, as the form cleaned them."""
        if self.filterset is None or not self.filterset.is_bound or not self.filterset.form.is_valid():
            return []
        data = self.filterset.form.cleaned_data
        return [(name, value) for name, value in data.items() if value not in (None, "", [], ())]

    def chosen_filters(self) -> list[tuple[Any, Any]]:
        """(label, value as the user reads it) of every filter set, for the export's title."""
        if self.filterset is None:
            return []
        form = self.filterset.form
        shown = []
        for name, value in self.filter_values():
            field = form.fields[name]
            choices = dict(getattr(field, "choices", []) or [])
            text = choices.get(value, choices.get(str(value), value)) if choices else value
            shown.append((field.label, text))
        return shown

    def get_template_names(self):
        if is_htmx(self.request) and not self.request.headers.get("HX-Boosted"):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title or self.model._meta.verbose_name_plural,
            columns=self.columns,
            filterset=self.filterset,
            querystring=query.urlencode(),
            ordering=self.request.GET.get("ordering", ""),
            page_sizes=PAGE_SIZES,
            can_create=bool(
                self.create_url_name
                and (self.actor.is_superuser or self.actor.jurisdiction_paths(Action.CHANGE))
            ),
            create_url_name=self.create_url_name,
            extra_actions=[*self.extra_actions, *list_actions_for(self.model)],
            rows=[(obj, [shown(obj, c, self.actor) for c in self.columns]) for obj in context["object_list"]],
        )
        context["row_cells"] = [(obj, row_cells(obj, values)) for obj, values in context["rows"]]
        return context


class ObjectDetailView(JurisdictionMixin, DetailView):
    template_name = "generic/object_detail.html"
    fields: list[str] = []  # shown as a definition list when the template is generic
    edit_url_name: str | None = None
    delete_url_name: str | None = None

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return pagecache.serve(request, lambda: super(ObjectDetailView, self).get(request, *args, **kwargs))

    def get_object(self, queryset: Any = None) -> Any:
        source = queryset if queryset is not None else self.get_queryset()
        return get_for(self.request.user, source, self.kwargs["pk"], Action.VIEW)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update(
            title=str(obj),
            fields=[
                (obj._meta.get_field(f).verbose_name, resolve(obj, f, self.request.user)) for f in self.fields
            ],
            history=history_of(obj, user=self.request.user),
            can_change=may(self.request.user, obj, Action.CHANGE),
            record_links=record_links_for(obj),
            edit_url_name=self.edit_url_name,
            delete_url_name=self.delete_url_name,
        )
        return context


class ObjectEditView(JurisdictionMixin, UpdateView):
    """Create (no pk in the URL) or update a record the user may change, through services.

    `create_service(actor, data)` and `update_service(actor, pk, data[, version=])` do the
    writing (a form never saves itself); a refusal is shown on the form next to its field.
    A form with a `version` field sends it to the update service (optimistic locking).
    """

    action = Action.CHANGE
    template_name = "generic/object_form.html"
    success_message: Any = ""
    create_service: Callable[..., Any] | None = None
    update_service: Callable[..., Any] | None = None

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return get_for(self.request.user, self.model, self.kwargs["pk"], Action.CHANGE)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = (
            _("Edit %(name)s") % {"name": self.object}
            if self.object
            else _("New %(kind)s") % {"kind": self.model._meta.verbose_name}
        )
        return context

    def form_valid(self, form):
        try:
            self.object = self.save_form(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message or _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def service_data(self, form) -> dict[str, Any]:
        return {k: v for k, v in form.cleaned_data.items() if k != "version"}

    def save_form(self, form):
        data = self.service_data(form)
        if self.object is None:
            create = type(self).create_service  # from the class: a stored function must not bind
            if create is None:
                raise ImproperlyConfigured(f"{type(self).__name__} needs a create_service")
            return create(self.actor, data)
        update = type(self).update_service
        if update is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs an update_service")
        extra = {"version": form.cleaned_data.get("version")} if "version" in form.fields else {}
        return update(self.actor, self.object.pk, data, **extra)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ObjectDeleteView(JurisdictionMixin, DeleteView):
    """Confirm, then delete through `delete_service(actor, pk)`; a refusal (a record still
    referenced, a listed organization) is shown as a message on the record's page."""

    action = Action.CHANGE
    template_name = "generic/object_confirm_delete.html"
    success_url_name: str = "home"
    delete_service: Callable[..., Any] | None = None

    def get_object(self, queryset=None):
        return get_for(self.request.user, self.model, self.kwargs["pk"], Action.CHANGE)

    def get_success_url(self):
        return reverse(self.success_url_name)

    def form_valid(self, form):
        delete = type(self).delete_service
        if delete is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a delete_service")
        success_url = self.get_success_url()
        try:
            delete(self.actor, self.object.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted."))
        return HttpResponseRedirect(success_url)


class ServiceActionView(LoginRequiredMixin, View):
    """One domain action on one record (admit, approve, check in, grant...) in a few lines:

        class AdmitView(ServiceActionView):
            model = Residency
            form_class = DateForm            # or None for a plain button
            service = services.admit_residency  # service(actor, pk, **form.cleaned_data)
            success_message = gettext_lazy("Admitted.")

    The record is read first with the right the action needs (`right`: 404 outside the
    jurisdiction, 403 when only viewable); GET shows the form, POST calls the service and
    redirects to the record, or shows the form again with the service's refusal on it.
    """

    model: type[models.Model]
    service: Callable[..., Any]
    form_class: Any = None
    right: Action = Action.CHANGE
    template_name = "generic/action_form.html"
    title: Any = ""
    success_message: Any = ""
    submit_label: Any = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> Any:
        return get_for(self.request.user, self.model, self.kwargs["pk"], self.right)

    def get_form(self, data=None, files=None) -> Any:
        if self.form_class is None:
            return None
        return self.form_class(data, files, user=self.request.user, **self.get_form_kwargs())

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def service_kwargs(self, form) -> dict[str, Any]:
        return dict(form.cleaned_data) if form is not None else {}

    def perform(self, form) -> Any:
        return type(self).service(self.request.user, self.object.pk, **self.service_kwargs(form))

    def get_success_url(self, result: Any) -> str:
        return self.object.get_absolute_url()

    def get_title(self) -> Any:
        return self.title % {"object": self.object} if "%(" in str(self.title) else self.title

    def render(self, form, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": self.object,
                "title": self.get_title(),
                "submit_label": self.submit_label or _("Confirm"),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        if self.form_class is None:
            return HttpResponseNotAllowed(["POST"])
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form is None or form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as error:
                if form is None:
                    for message in error.messages:
                        messages.error(request, message)
                    return HttpResponseRedirect(self.object.get_absolute_url())
                add_service_errors(form, error)
            else:
                if self.success_message:
                    messages.success(request, self.success_message)
                return HttpResponseRedirect(self.get_success_url(result))
        return self.render(form, status=400)
