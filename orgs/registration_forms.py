"""Forms of the self-registration wizard and of the group's own profile pages.

The same forms serve the first registration, the correction of a returned one and the
edits of a listed organization, so a group meets the same fields and messages everywhere.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hubportal import forms as hub

from .models import BackboneMember, LeagueUnit, Organization, OrganizationDocument
from .registration import (
    MOBILE_RE,
    PHONE_RE,
    address_channel,
    is_verified,
    registrable_units,
    verify_code,
)
from .validators import MAX_DOCUMENT_BYTES, validate_document_file

DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class PartialModelForm(hub.ModelForm):
    """A model form over some of the model's fields that, unlike the cadre forms, runs the
    model's own validation: the wizard has no record yet and checks each step as it goes.
    A message of the model's `clean()` about a field this form does not show goes to the top
    of the form instead of failing."""

    def _post_clean(self) -> None:
        # Django's own model validation, which hubportal.forms.ModelForm leaves to the services.
        forms.BaseModelForm._post_clean(self)  # type: ignore[attr-defined]  # not in django-stubs

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            regrouped: dict[str, list[Any]] = {}
            for field, messages in errors.error_dict.items():
                key = field if field in self.fields or field == NON_FIELD_ERRORS else NON_FIELD_ERRORS
                regrouped.setdefault(key, []).extend(messages)
            errors = ValidationError(regrouped)
        super()._update_errors(errors)  # type: ignore[misc]  # django-stubs does not declare BaseForm._update_errors


class BasicForm(PartialModelForm):
    """Step 1: what the group is."""

    class Meta:
        model = Organization
        fields = [
            "name",
            "tier",
            "body",
            "kind",
            "category",
            "service_fields",
            "registration_status",
            "credit_code",
            "founded_on",
            "youth_covered",
            "description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_fields"] = forms.MultipleChoiceField(
            label=_("service fields"),
            choices=Organization.ServiceField.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
        self.fields["body"].help_text = _("Only for tiers 5 and 2: which association the group is.")
        self.fields["kind"].help_text = _("Only for tier N.")
        self.fields["youth_covered"].help_text = _("About how many young people the group serves or gathers.")
        self.fields["credit_code"].widget.attrs.update(autocapitalize="characters", spellcheck="false")

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if len(name) < 2:
            raise ValidationError(_("Enter the organization's full name."))
        return name


class TownChoiceField(forms.ModelChoiceField):
    """A town of the chosen city, named after its district where the city has districts."""

    city: LeagueUnit | None = None

    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj, self.city)


class UnitForm(hub.Form):
    """Step 2: the town or subdistrict, chosen city first (the town list follows by HTMX)."""

    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=LeagueUnit.objects.none(),
        empty_label=_("— choose the city —"),
        error_messages={
            "required": _("Choose the city first."),
            "invalid_choice": _("Choose a city from the list."),
        },
    )
    governing_unit = TownChoiceField(
        label=_("Town or subdistrict"),
        queryset=LeagueUnit.objects.none(),
        empty_label=_("— choose the town or subdistrict —"),
        error_messages={
            "required": _("Choose the town or subdistrict your group belongs to."),
            "invalid_choice": _("This town or subdistrict does not belong to the chosen city."),
        },
        help_text=_("The league committee of this town or subdistrict will review the registration."),
    )

    def __init__(self, *args: Any, current: LeagueUnit | None = None, **kwargs: Any) -> None:
        """`current`: the unit an organization already has (on its own edit page), offered
        even when it is no town (a cadre may have recorded the group at the city itself)."""
        super().__init__(*args, **kwargs)
        cities = cast(forms.ModelChoiceField, self.fields["city"])
        cities.queryset = registrable_units().filter(level=LeagueUnit.Level.CITY).order_by("path")
        city_id = self.data.get(self.add_prefix("city")) if self.is_bound else self.initial.get("city")
        city = None
        if city_id:
            try:
                city = cities.queryset.filter(pk=int(str(getattr(city_id, "pk", city_id)))).first()
            except (TypeError, ValueError):
                city = None
        towns = cast(TownChoiceField, self.fields["governing_unit"])
        choices = towns_of(city)
        if current is not None and city is not None and current.path.startswith(city.path):
            choices = (choices | LeagueUnit.objects.filter(pk=current.pk)).order_by("path")
        towns.queryset = choices
        towns.city = city
        # Choosing a city reloads the town list (HTMX); without JavaScript “Next” does it.
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": reverse("orgs_public:register_towns"),
                "hx-target": f"#{self['governing_unit'].auto_id}",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        city, unit = data.get("city"), data.get("governing_unit")
        if city and unit and not unit.path.startswith(city.path):
            self.add_error(
                "governing_unit", _("This town or subdistrict does not belong to the chosen city.")
            )
        return data


def towns_of(city: LeagueUnit | None) -> Any:
    """The towns and subdistricts below a city; a city without towns offers its districts."""
    if city is None:
        return LeagueUnit.objects.none()
    below = registrable_units().filter(path__startswith=city.path, depth__gt=city.depth)
    if below.filter(level=LeagueUnit.Level.TOWN).exists():
        below = below.filter(level=LeagueUnit.Level.TOWN)
    return below.select_related("parent").order_by("path")


def unit_label(unit: LeagueUnit, city: LeagueUnit | None) -> str:
    """“南海区 / 桂城街道” below a city with districts, “古镇镇” directly below 中山."""
    if (
        city is not None
        and unit.parent_id
        and unit.parent_id != city.pk
        and unit.level == LeagueUnit.Level.TOWN
    ):
        return f"{unit.parent.name} / {unit.name}" if unit.parent is not None else unit.name
    return unit.name


CONTACT_FIELDS = forms.fields_for_model(Organization, fields=["contact_person", "phone", "email", "address"])


class ContactFields(hub.Form):
    """The organization's contact fields, as the model defines them."""

    contact_person = CONTACT_FIELDS["contact_person"]
    phone = CONTACT_FIELDS["phone"]
    email = CONTACT_FIELDS["email"]
    address = CONTACT_FIELDS["address"]
    field_names = ("contact_person", "phone", "email", "address")

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(_("Enter an 11-digit mobile number or a landline such as 0760-88888888."))
        return phone


class ContactForm(ContactFields):
    """Step 3: how to reach the group, its backbone person, and the verified address."""

    backbone_name = forms.CharField(
        label=_("Backbone member's name"),
        max_length=64,
        help_text=_("A key person of the group, family name first, e.g. 王小明."),
    )
    backbone_gender = forms.ChoiceField(label=_("Gender"), choices=BackboneMember.Gender.choices)
    backbone_phone = forms.CharField(label=_("Backbone member's mobile"), max_length=20, required=False)
    backbone_role = forms.CharField(
        label=_("Role in the organization"), max_length=64, required=False, help_text=_("e.g. 会长, 秘书长")
    )
    verify_via = forms.ChoiceField(
        label=_("Verify by"),
        choices=[("email", _("E-mail")), ("phone", _("Mobile phone (SMS)"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="email",
        help_text=_("The verified address becomes your login name."),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("Six digits, sent to the address above; valid for 10 minutes."),
    )

    def __init__(self, *args: Any, session: Any = None, sending: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.sending = sending  # the “send code” button: check the address, not the code
        for name in ("contact_person", "phone"):
            self.fields[name].required = True
        self.fields["contact_person"].help_text = _("Family name first, e.g. 王小明.")
        self.fields["phone"].widget.attrs.update(inputmode="tel")
        self.fields["email"].widget.attrs.update(inputmode="email")

    def clean_backbone_phone(self) -> str:
        phone = (self.cleaned_data.get("backbone_phone") or "").replace(" ", "")
        if phone and not MOBILE_RE.match(phone):
            raise ValidationError(_("Enter an 11-digit mobile number."))
        return phone

    def verification_address(self) -> str:
        data = self.cleaned_data
        return (data.get("email") if data.get("verify_via") == "email" else data.get("phone")) or ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        via = data.get("verify_via")
        if via == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter the e-mail address to verify, or verify by mobile phone."))
            return data
        if via == "phone" and data.get("phone") and not MOBILE_RE.match(data["phone"]):
            self.add_error("phone", _("A code can be sent by SMS to a mobile number only."))
            return data
        address = self.verification_address()
        if not address or self.errors:
            return data
        try:
            address_channel(address)
        except ValidationError as error:
            self.add_error("email" if via == "email" else "phone", error)
            return data
        if self.sending or self.session is None:
            return data
        if is_verified(self.session, address):
            return data
        if not data.get("code"):
            self.add_error("code", _("Enter the six-digit code we sent you (press “Send code” first)."))
            return data
        try:
            verify_code(self.session, address, data["code"])
        except ValidationError as error:
            self.add_error("code", error)
        return data

    def backbone(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["backbone_name"],
            "gender": data["backbone_gender"],
            "phone": data.get("backbone_phone", ""),
            "role": data.get("backbone_role", ""),
        }


class MultipleDocumentField(forms.FileField):
    """A document upload checked by content and size (the registry's own validator)."""

    default_validators = [validate_document_file]


class DocumentsForm(hub.Form):
    """Step 4: documents and the account's password; both must be given again after an error
    (a browser never refills a file or a password field)."""

    charter = MultipleDocumentField(
        label=_("Charter (章程)"),
        error_messages={"required": _("Upload the group's charter (章程) or its rules.")},
        help_text=_("PDF, JPG or PNG, at most %(mb)d MB.") % {"mb": MAX_DOCUMENT_BYTES // 1024 // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    certificate = MultipleDocumentField(
        label=_("Registration certificate (登记证书)"),
        required=False,
        error_messages={"required": _("Upload the registration certificate of a registered organization.")},
        help_text=_("Required for a registered organization."),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    other = MultipleDocumentField(
        label=_("Other document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    agree = forms.BooleanField(
        label=_("The information given is true, and the league committee may contact us about it."),
        error_messages={"required": _("Please confirm that the information is true.")},
    )

    def __init__(self, *args: Any, registered: bool = False, username: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registered = registered
        self.username = username
        # Required fields carry the mark (and the browser's own check): the certificate only
        # for a registered organization.
        self.fields["certificate"].required = registered

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            from accounts.models import User

            try:
                password_validation.validate_password(p1, User(username=self.username))
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def documents(self) -> list[tuple[str, Any]]:
        types = {
            "charter": OrganizationDocument.Type.CHARTER,
            "certificate": OrganizationDocument.Type.CERTIFICATE,
            "other": OrganizationDocument.Type.OTHER,
        }
        return [(types[name], self.cleaned_data[name]) for name in types if self.cleaned_data.get(name)]


class ProfileContactForm(ContactFields):
    """The contact fields of a group's own profile (no verification: the account is verified)."""


class ExtraDocumentsForm(hub.Form):
    """Documents added when correcting a returned registration (optional)."""

    certificate = MultipleDocumentField(
        label=_("Registration certificate (登记证书)"),
        required=False,
        error_messages={"required": _("Upload the registration certificate of a registered organization.")},
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    other = MultipleDocumentField(
        label=_("Other document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def documents(self) -> list[tuple[str, Any]]:
        types = {
            "certificate": OrganizationDocument.Type.CERTIFICATE,
            "other": OrganizationDocument.Type.OTHER,
        }
        return [(types[name], self.cleaned_data[name]) for name in types if self.cleaned_data.get(name)]
