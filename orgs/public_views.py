"""Public pages of the registry: the directory of listed organizations, the self-registration
wizard, and the group's own pages (我的组织).

The directory is public: no jurisdiction, listed organizations only, and only the fields in
`Organization.PUBLIC_FIELDS` (plus the town and city names) are ever read from the database.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Left
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hubportal.collation import pinyin
from hubportal.forms import add_service_errors
from hubportal.http import AuthenticatedHttpRequest
from hubportal.pagecache import cached_page
from hubportal.pagination import CountingPaginator
from hubportal.registry import ListAction, NavItem, register_list_action, register_nav

from . import registration as flow
from .filters import star_ratings
from .models import LeagueUnit, Organization
from .models.units import PATH_SEGMENT_WIDTH
from .registration_forms import (
    BasicForm,
    ContactForm,
    DocumentsForm,
    ExtraDocumentsForm,
    ProfileContactForm,
    UnitForm,
    towns_of,
    unit_label,
)

WIZARD_SESSION_KEY = "orgs.registration.wizard"
STEPS: list[tuple[str, Any]] = [
    ("basic", gettext_lazy("Basic facts")),
    ("unit", gettext_lazy("Town or subdistrict")),
    ("contact", gettext_lazy("Contact and verification")),
    ("documents", gettext_lazy("Documents and account")),
]
STEP_NAMES = [name for name, _label in STEPS]
# Never kept in the session: a code is checked once, a password only hashed at the end.
UNSTORED_FIELDS = {"csrfmiddlewaretoken", "code", "password1", "password2", "back", "send_code", "next"}
CITY_PATH_LENGTH = 2 * (PATH_SEGMENT_WIDTH + 1)  # province segment + city segment
DIRECTORY_PAGE_SIZE = 20


def register() -> None:
    """Navigation entries of the public registry pages, the review queue and the import page,
    and the export/import buttons of the organization list."""
    # One menu for the public's two registry pages, so a visitor's bar fits 1280 px in English.
    organizations = gettext_lazy("Youth organizations")
    register_nav(
        NavItem(
            gettext_lazy("Youth organization directory"),
            "orgs_public:directory",
            "book",
            "public",
            20,
            menu=organizations,
        )
    )
    register_nav(
        NavItem(
            gettext_lazy("Register an organization"),
            "orgs_public:register",
            "pencil-square",
            "public",
            21,
            menu=organizations,
        )
    )
    register_nav(
        NavItem(
            gettext_lazy("My organizations"),
            "orgs_public:my_organizations",
            "house-heart",
            "representative",
            22,
        )
    )
    register_nav(
        NavItem(
            gettext_lazy("Registration review"),
            "orgs_flow:review_queue",
            "clipboard-check",
            "cadre",
            12,
            menu=pgettext_lazy("navigation menu", "Registry"),
        )
    )
    # Buttons on the core organization list: its query string (filters) goes with them.
    for order, (label, url_name) in enumerate(
        [
            (gettext_lazy("Export to Excel"), "orgs_flow:export_xlsx"),
            (gettext_lazy("Export to CSV"), "orgs_flow:export_csv"),
            (gettext_lazy("Import"), "orgs_flow:import"),
        ]
    ):
        register_list_action(ListAction(label, url_name, "orgs.organization", order))


# Public directory ---------------------------------------------------------------------------


def directory_queryset() -> Any:
    """Listed organizations with their public fields, the town's and the city's name."""
    city_name = LeagueUnit.objects.filter(
        path=Left(OuterRef("governing_unit__path"), CITY_PATH_LENGTH)
    ).values("name")[:1]
    return (
        Organization.objects.listed()
        .only(*Organization.PUBLIC_FIELDS, "governing_unit__name", "governing_unit__path")
        .select_related("governing_unit")
        .annotate(city_name=Subquery(city_name), town_name=F("governing_unit__name"))
    )


def cities() -> Any:
    return LeagueUnit.objects.filter(level=LeagueUnit.Level.CITY, kind=LeagueUnit.Kind.REGIONAL).order_by(
        "path"
    )


@require_GET
@cached_page
def directory(request: HttpRequest) -> HttpResponse:
    """青年组织名录: search, filter by city and category, 20 a page, a constant number of queries."""
    rows = directory_queryset()
    q = (request.GET.get("q") or "").strip()[:50]
    city_options = list(cities().only("pk", "name", "path"))
    city = next((c for c in city_options if str(c.pk) == request.GET.get("city")), None)
    category = request.GET.get("category") or ""
    if q:
        rows = rows.search(q)
    if city is not None:
        rows = rows.filter(governing_unit__path__startswith=city.path)
    if category in Organization.Category.values:
        rows = rows.filter(category=category)
    else:
        category = ""
    rows = rows.order_by(pinyin("name"), "pk")  # pinyin, from the registry's org_name_pinyin index
    page = CountingPaginator(rows, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": _("Youth organization directory"),
        "page_obj": page,
        "q": q,
        "city": city,
        "city_options": city_options,
        "category": category,
        "categories": Organization.Category.choices,
        "querystring": query.urlencode(),
    }
    template = (
        "orgs/public/_results.html"
        if request.headers.get("HX-Request") == "true"
        else "orgs/public/directory.html"
    )
    return render(request, template, context)


@require_GET
def directory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(directory_queryset(), pk=pk)
    return render(
        request,
        "orgs/public/detail.html",
        {"title": org.name, "org": org, "evaluation_ratings": star_ratings(organization=org)},
    )


# Self-registration wizard -------------------------------------------------------------------


def _stored(request: HttpRequest) -> dict[str, dict[str, list[str]]]:
    return request.session.get(WIZARD_SESSION_KEY, {})


def _store(request: HttpRequest, step: str) -> None:
    data = _stored(request)
    data[step] = {k: v for k, v in request.POST.lists() if k not in UNSTORED_FIELDS}
    request.session[WIZARD_SESSION_KEY] = data
    request.session.modified = True


def _as_querydict(values: dict[str, list[str]] | None) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, items in (values or {}).items():
        query.setlist(key, items)
    return query


def _form_for(step: str, request: HttpRequest, data: Any = None, files: Any = None, **kwargs: Any) -> Any:
    if step == "basic":
        return BasicForm(data)
    if step == "unit":
        return UnitForm(data)
    if step == "contact":
        return ContactForm(data, session=request.session, **kwargs)
    basic = _as_querydict(_stored(request).get("basic"))
    registered = (
        basic.get("registration_status", "unregistered") != Organization.RegistrationStatus.UNREGISTERED
    )
    return DocumentsForm(data, files, registered=registered, username=_username(request))


def _valid_forms(request: HttpRequest) -> tuple[dict[str, Any], str | None]:
    """The stored steps re-validated; the name of the first step that is not (yet) valid."""
    forms: dict[str, Any] = {}
    for step in STEP_NAMES[:-1]:
        stored = _stored(request).get(step)
        if stored is None:
            return forms, step
        form = _form_for(step, request, _as_querydict(stored))
        if not form.is_valid():
            return forms, step
        forms[step] = form
    return forms, None


def _username(request: HttpRequest) -> str:
    contact = _as_querydict(_stored(request).get("contact"))
    address = contact.get("email") if contact.get("verify_via", "email") == "email" else contact.get("phone")
    return (address or "").strip().lower()


def register_start(request: HttpRequest) -> HttpResponse:
    _forms, first_open = _valid_forms(request)
    return redirect("orgs_public:register_step", step=first_open or STEP_NAMES[-1])


@require_http_methods(["GET", "POST"])
def register_step(request: HttpRequest, step: str) -> HttpResponse:
    """One step of the wizard; what was typed is kept in the session, valid or not."""
    if step not in STEP_NAMES:
        raise Http404
    index = STEP_NAMES.index(step)
    valid, first_open = _valid_forms(request)
    if first_open is not None and STEP_NAMES.index(first_open) < index:
        return redirect("orgs_public:register_step", step=first_open)
    if request.method == "GET":
        stored = _stored(request).get(step)
        form = _form_for(step, request, _as_querydict(stored) if stored else None)
        if stored and step == "contact":
            form.sending = True  # show what was typed without asking for the code again
        return _render_step(request, step, form)
    if "back" in request.POST:
        if step != "documents":
            _store(request, step)
        return redirect("orgs_public:register_step", step=STEP_NAMES[max(index - 1, 0)])
    if step == "documents":
        return _finish(request, valid)
    _store(request, step)
    sending = step == "contact" and "send_code" in request.POST
    form = (
        _form_for(step, request, request.POST, sending=sending)
        if step == "contact"
        else _form_for(step, request, request.POST)
    )
    if sending:
        if form.is_valid():
            try:
                channel = flow.send_verification_code(request.session, form.verification_address(), request)
            except ValidationError as error:
                form.add_error("code", error)
            except flow.RateLimited as limited:
                form.add_error("code", limited.message)
            else:
                messages.success(
                    request,
                    _("A verification code was sent to your e-mail.")
                    if channel == "email"
                    else _("A verification code was sent to your mobile phone by SMS."),
                )
        return _render_step(request, step, form)
    if form.is_valid():
        return redirect("orgs_public:register_step", step=STEP_NAMES[index + 1])
    return _render_step(request, step, form)


def _finish(request: HttpRequest, valid: dict[str, Any]) -> HttpResponse:
    try:
        flow.check_submission_allowed(request)
    except flow.RateLimited as limited:
        return render(
            request,
            "orgs/registration/throttled.html",
            {"title": _("Please wait"), "message": limited.message},
            status=429,
        )
    form = _form_for("documents", request, request.POST, request.FILES)
    if not form.is_valid():
        return _render_step(request, "documents", form)
    contact = valid["contact"]
    organization = {
        **{k: v for k, v in valid["basic"].cleaned_data.items()},
        "governing_unit": valid["unit"].cleaned_data["governing_unit"],
        **{k: contact.cleaned_data[k] for k in ("contact_person", "phone", "email", "address")},
    }
    submission = flow.Registration(
        organization=organization,
        backbone=contact.backbone(),
        username=_username(request),
        password_hash=make_password(form.cleaned_data["password1"]),
        documents=form.documents(),
    )
    try:
        org, user = flow.register_organization(None, submission)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_step(request, "documents", form)
    request.session.pop(WIZARD_SESSION_KEY, None)
    request.session.pop(flow.VERIFICATION_SESSION_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request,
        _("Thank you: %(name)s is registered and waits for review by the league committee of %(unit)s.")
        % {"name": org.name, "unit": org.governing_unit.name},
    )
    return redirect("orgs_public:my_organization", pk=org.pk)


def _render_step(request: HttpRequest, step: str, form: Any) -> HttpResponse:
    index = STEP_NAMES.index(step)
    verified = False
    if step == "contact" and form.is_bound:
        form.is_valid()  # cleans once; the template shows the same errors
        verified = flow.is_verified(request.session, form.verification_address())
    return render(
        request,
        "orgs/registration/step.html",
        {
            "title": _("Register an organization"),
            "form": form,
            "step": step,
            "step_number": index + 1,
            "steps": [(n, label, i + 1) for i, (n, label) in enumerate(STEPS)],
            "step_count": len(STEPS),
            "previous_step": STEP_NAMES[index - 1] if index else None,
            "is_last": index == len(STEPS) - 1,
            "verified": verified,
        },
    )


@require_GET
def register_towns(request: HttpRequest) -> HttpResponse:
    """The town options of one city (the HTMX-dependent second select)."""
    # The select may carry a form prefix (“unit-city” on the profile page).
    value = next((str(v) for k, v in request.GET.items() if k == "city" or k.endswith("-city")), "")
    city = (
        LeagueUnit.objects.filter(pk=int(value), level=LeagueUnit.Level.CITY).first()
        if value.isdigit()
        else None
    )
    towns = [(unit.pk, unit_label(unit, city)) for unit in towns_of(city)]
    return render(request, "orgs/registration/_town_options.html", {"towns": towns})


# The group's own pages ----------------------------------------------------------------------


@login_required
def my_organizations(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = flow.represented_by(request.user).select_related("governing_unit").order_by(pinyin("name"), "pk")
    return render(
        request, "orgs/registration/mine.html", {"title": _("My organizations"), "organizations": rows}
    )


@login_required
def my_organization(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The group's view of its organization: status, the reviewers' reasons, waiting changes."""
    org = flow.own_organization(request.user, pk)
    changes = list(org.status_changes.select_related("by").order_by("-at", "-pk"))
    documents = list(org.documents.order_by("-uploaded_at", "-pk"))
    pending = flow.pending_change_rows(org)
    return render(
        request,
        "orgs/registration/my_organization.html",
        {
            "title": org.name,
            "org": org,
            "status_changes": changes,
            "latest_reason": next((c.reason for c in changes if c.reason and c.to_status == org.status), ""),
            "documents": documents,
            "pending": pending,
            "can_edit": org.status
            in (Organization.Status.RETURNED, Organization.Status.LISTED, Organization.Status.PENDING),
        },
    )


def _show_refusal(forms: list[Any], error: ValidationError) -> None:
    """A service's refusal on the part of the page that holds the field at fault (the rest,
    and a stale or garbled version, above the first part)."""
    if not hasattr(error, "error_dict"):
        add_service_errors(forms[0], error)
        return
    for field, messages_ in error.message_dict.items():
        target = next((f for f in forms if field in f.fields), forms[0])
        add_service_errors(target, ValidationError({field: messages_}))


@login_required
@require_http_methods(["GET", "POST"])
def my_organization_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct a returned registration and resubmit it, or edit a listed organization's
    profile (key fields then wait for review)."""
    org = flow.own_organization(request.user, pk)
    if org.status not in (
        Organization.Status.RETURNED,
        Organization.Status.LISTED,
        Organization.Status.PENDING,
    ):
        raise PermissionDenied(_("A rejected, suspended or dissolved organization cannot be edited here."))
    city = LeagueUnit.objects.filter(path=org.governing_unit.path[:CITY_PATH_LENGTH]).first()
    data = request.POST if request.method == "POST" else None
    basic = BasicForm(data, instance=org, prefix="basic", user=request.user)
    unit = UnitForm(
        data,
        prefix="unit",
        initial={"city": city.pk if city else None, "governing_unit": org.governing_unit_id},
        current=org.governing_unit,
        user=request.user,
    )
    contact = ProfileContactForm(
        data,
        prefix="contact",
        initial={f: getattr(org, f) for f in ProfileContactForm.field_names},
        user=request.user,
    )
    documents = ExtraDocumentsForm(data, request.FILES or None, prefix="documents", user=request.user)
    forms = [basic, unit, contact, documents]
    if request.method == "POST" and all(f.is_valid() for f in forms):
        changes = {
            **{f: basic.cleaned_data[f] for f in BasicForm.Meta.fields},
            "governing_unit": unit.cleaned_data["governing_unit"],
            **{f: contact.cleaned_data[f] for f in ProfileContactForm.field_names},
        }
        try:
            org = flow.correct_registration(
                request.user, org.pk, changes, request.POST.get("version"), documents.documents()
            )
        except ValidationError as error:
            _show_refusal(forms, error)
        else:
            if org.status == Organization.Status.PENDING and org.pending_changes == {}:
                messages.success(request, _("Saved. The registration waits for review again."))
            elif org.pending_changes:
                messages.success(
                    request,
                    _("Saved. Changes to the name, credit code, registration or town wait for review."),
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("orgs_public:my_organization", pk=org.pk)
    return render(
        request,
        "orgs/registration/edit.html",
        {
            "title": _("Edit %(name)s") % {"name": org.name},
            "org": org,
            "forms": forms,
            "basic": basic,
            "unit_form": unit,
            "contact": contact,
            "documents": documents,
            "version": request.POST.get("version", org.version) if request.method == "POST" else org.version,
        },
        status=400 if request.method == "POST" else 200,
    )
