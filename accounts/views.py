"""Login and the user's own profile; the rest is Django's auth views with our templates."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hubportal.access import get_for
from hubportal.forms import add_service_errors
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from . import services
from .forms import LoginForm, MemberForm, RoleForm
from .models import Membership


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("unit").order_by("unit__path")
    return render(request, "accounts/profile.html", {"memberships": memberships})


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
