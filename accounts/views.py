"""Login and the user's own account page (memberships, API tokens, "log out everywhere");
the rest is Django's auth views with our templates."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hubportal.access import get_for
from hubportal.forms import add_service_errors
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from hubportal.ratelimit import RateLimited
from orgs.models import LeagueUnit

from . import services, throttle
from .forms import ApiTokenForm, LoginForm, MemberForm, RoleForm
from .models import ApiToken, Membership


class LoginView(auth_views.LoginView):
    """Django's login; after a session ended by itself it says why (`?expired=idle|absolute`)."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        expired = self.request.GET.get("expired")
        if expired == "idle":
            context["expired_message"] = _(
                "Your session ended after %(minutes)d minutes without activity. Please log in again."
            ) % {"minutes": settings.HUB_SESSION_IDLE_MINUTES}
        elif expired == "absolute":
            context["expired_message"] = _(
                "Your session ended %(hours)d hours after you logged in. Please log in again."
            ) % {"hours": settings.HUB_SESSION_MAX_HOURS}
        return context


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled: requests per client address (a 429 that says so),
    mails per e-mail address (beyond the limit nothing is sent, and the page says what it
    always says, so it never tells whether an account exists)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            throttle.check_password_reset(self.request)
        except RateLimited as limited:
            response = render(
                self.request,
                self.template_name,
                {**self.get_context_data(form=form), "throttled": limited.message},
                status=429,
            )
            response["Retry-After"] = str(limited.wait or 3600)
            return response
        if not throttle.may_mail_reset(form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def _profile(
    request: AuthenticatedHttpRequest, token_form: ApiTokenForm | None = None, **extra: Any
) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("unit").order_by("unit__path")
    tokens = ApiToken.objects.active().filter(user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships,
            "tokens": tokens,
            "token_form": token_form or ApiTokenForm(user=request.user),
            "token_days": settings.HUB_API_TOKEN_DAYS,
            **extra,
        },
        status=400 if token_form is not None and token_form.errors else 200,
    )


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _profile(request)


@login_required
@require_POST
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new API token; its key is on this answer only (never in a redirect, the session or a log)."""
    form = ApiTokenForm(request.POST, user=request.user)
    if form.is_valid():
        # Through authenticate(): the same throttles and lock-out as the login page.
        confirmed = authenticate(
            request, username=request.user.username, password=form.cleaned_data["password"]
        )
        if confirmed is None or confirmed.pk != request.user.pk:
            form.add_error("password", _("The password is wrong."))
        else:
            try:
                token, key = services.issue_api_token(request.user, name=form.cleaned_data["name"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                response = _profile(request, new_token=token, new_key=key)
                response["Cache-Control"] = "no-store"
                return response
    return _profile(request, token_form=form)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.revoke_api_token(request.user, pk)
    messages.success(request, _("The token is revoked: it no longer opens the API."))
    return redirect("accounts:profile")


@login_required
@require_POST
def log_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every other session of the account and revoke its API tokens; this one stays."""
    user = services.log_out_everywhere(request.user)
    update_session_auth_hash(request, user)
    messages.success(request, _("You are logged out everywhere else, and your API tokens are revoked."))
    return redirect("accounts:profile")


@login_required
def unit_members(request: AuthenticatedHttpRequest, unit_pk: int) -> HttpResponse:
    """The cadres of one unit, for its administrators: add, change role, remove."""
    unit = get_for(request.user, LeagueUnit, unit_pk, Action.MANAGE)
    form = MemberForm(request.POST if request.POST.get("action", "add") == "add" else None, user=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action == "add":
            if form.is_valid():
                try:
                    services.add_member(
                        request.user,
                        unit.pk,
                        **form.cleaned_data,
                        domain=request.get_host(),
                        secure=request.is_secure(),
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("%(name)s now belongs to %(unit)s.")
                        % {"name": form.cleaned_data["username"], "unit": unit},
                    )
                    return redirect("accounts:unit_members", unit_pk=unit.pk)
        else:
            _change_membership(request, action)
            return redirect("accounts:unit_members", unit_pk=unit.pk)
    memberships = (
        Membership.objects.filter(unit=unit).select_related("user").order_by("role", "user__username")
    )
    return render(
        request,
        "accounts/unit_members.html",
        {"unit": unit, "form": form, "memberships": memberships, "roles": Membership.Role.choices},
        status=400 if request.method == "POST" else 200,
    )


def _change_membership(request: AuthenticatedHttpRequest, action: str) -> None:
    """A role change or a removal from the members' table; the outcome as a message."""
    membership_pk = request.POST.get("membership")
    try:
        if action == "role":
            role_form = RoleForm(request.POST, user=request.user)
            if not role_form.is_valid():
                messages.error(request, _("Choose one of the roles."))
                return
            services.change_role(request.user, membership_pk, role_form.cleaned_data["role"])
            messages.success(request, _("Role changed."))
        elif action == "remove":
            services.remove_member(request.user, membership_pk)
            messages.success(request, _("Removed from the unit."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
