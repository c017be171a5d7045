"""The portal's own records a subject can link as evidence, and how an assessor reads them.

Each `Source` names a model, the records of a subject that may be linked (a base's
residencies and service log, an organization's documents, its members' training
attendance, the owning unit's reports ...) and is shown to the assessor as a summary of
the record's fields — never its personal data (phones, ID numbers, e-mail addresses,
contacts). An assessor has no jurisdiction over these records: the summary is what the
subject chose to show them, read through the evidence row the assessor may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

# Never shown to an assessor, whatever the record.
PERSONAL = {"phone", "id_number", "email", "contact", "contact_person", "access_token", "password", "address"}


@dataclass(frozen=True)
class Source:
    key: str  # "app_label.model"
    label: Any
    # The records of a subject (by its type) that may be linked: subject → queryset.
    candidates: Callable[[Any], models.QuerySet]

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.key)


def _none(model_key: str) -> Callable[[Any], models.QuerySet]:
    def empty(subject: Any) -> models.QuerySet:
        return apps.get_model(model_key)._default_manager.none()

    return empty


def _organization_of(subject: Any) -> Any:
    if subject.organization_id:
        return subject.organization_id
    if subject.project_id:
        return subject.project.organization_id
    return None


def _residencies(subject: Any) -> models.QuerySet:
    model = apps.get_model("incubation.Residency")
    if subject.base_id:
        return model.objects.filter(base_id=subject.base_id).select_related("organization", "base")
    org = _organization_of(subject)
    return (
        model.objects.filter(organization_id=org).select_related("organization", "base")
        if org
        else model.objects.none()
    )


def _deliveries(subject: Any) -> models.QuerySet:
    model = apps.get_model("incubation.ServiceDelivery")
    rows = model.objects.select_related("residency__organization", "residency__base")
    if subject.base_id:
        return rows.filter(residency__base_id=subject.base_id)
    org = _organization_of(subject)
    return rows.filter(residency__organization_id=org) if org else model.objects.none()


def _checklist(subject: Any) -> models.QuerySet:
    model = apps.get_model("incubation.BaseChecklistResult")
    if subject.base_id:
        return model.objects.filter(base_id=subject.base_id).select_related("item")
    return model.objects.none()


def _documents(subject: Any) -> models.QuerySet:
    model = apps.get_model("orgs.OrganizationDocument")
    org = _organization_of(subject)
    return model.objects.filter(organization_id=org) if org else model.objects.none()


def _reports(subject: Any) -> models.QuerySet:
    model = apps.get_model("reporting.Report")
    # A base's owning unit files the monthly reports that speak of it.
    if subject.base_id:
        return (
            model.objects.filter(unit_id=subject.owner_unit_id).exclude(status="draft").select_related("form")
        )
    return model.objects.none()


def _enrolments(subject: Any) -> models.QuerySet:
    model = apps.get_model("training.Enrolment")
    org = _organization_of(subject)
    field_names = {f.name for f in model._meta.get_fields()}
    if org is None:
        return model.objects.none()
    if "organization" in field_names:
        return model.objects.filter(organization_id=org)
    return model.objects.filter(trainee__organization_id=org)


def sources() -> list[Source]:
    """The kinds of records that can be linked, for the apps that are installed."""
    found = [
        Source("incubation.residency", _("Residency at a Qinqing Home"), _residencies),
        Source("incubation.servicedelivery", _("Service delivered"), _deliveries),
        Source("incubation.basechecklistresult", _("Standard checklist result"), _checklist),
        Source("orgs.organizationdocument", _("Organization document"), _documents),
    ]
    if apps.is_installed("reporting"):
        found.append(Source("reporting.report", _("Filed report"), _reports))
    if apps.is_installed("training"):
        try:
            apps.get_model("training.Enrolment")
        except LookupError:
            pass
        else:
            found.append(Source("training.enrolment", _("Training camp attendance"), _enrolments))
    return found


def source_for(key: str) -> Source | None:
    return next((s for s in sources() if s.key == key), None)


def choices_for(subject: Any, limit: int = 200) -> list[tuple[str, str]]:
    """(value, label) of every record the subject may link: `app.model:pk` values."""
    options: list[tuple[str, str]] = []
    for source in sources():
        for record in source.candidates(subject).order_by("-pk")[:limit]:
            options.append((f"{source.key}:{record.pk}", f"{source.label} · {record}"))
    return options


def summary(record: models.Model) -> list[tuple[str, Any]]:
    """The record's fields as an assessor reads them (labels, choice labels, no personal data)."""
    rows: list[tuple[str, Any]] = []
    for field in record._meta.concrete_fields:
        if field.name in PERSONAL or field.name in {"id", "version"} or isinstance(field, models.FileField):
            continue
        if field.is_relation:
            value: Any = getattr(record, field.name, None)
        else:
            display = getattr(record, f"get_{field.name}_display", None)
            value = display() if display is not None else getattr(record, field.attname)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((str(field.verbose_name), value))
    return rows
