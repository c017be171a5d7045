"""Login and the user's own profile; the rest is Django's auth views with our templates."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

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
def profile(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("unit").order_by("unit__path")
    return render(request, "accounts/profile.html", {"memberships": memberships})


@login_required
def unit_members(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The cadres of one unit, for its administrators: add, change role, remove."""
    unit = get_object_or_404(LeagueUnit.objects.visible_to(request.user, Action.MANAGE), pk=unit_pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        try:
            if action == "add":
                if form.is_valid():
                    services.add_member(request.user, unit.pk, request=request, **form.cleaned_data)
                    messages.success(
                        request,
                        _("%(name)s now belongs to %(unit)s.")
                        % {"name": form.cleaned_data["username"], "unit": unit},
                    )
                    return redirect("accounts:unit_members", unit_pk=unit.pk)
            else:
                membership = get_object_or_404(Membership, pk=request.POST.get("membership"), unit=unit)
                if action == "role":
                    role_form = RoleForm(request.POST)
                    if role_form.is_valid():
                        services.change_role(request.user, membership.pk, role_form.cleaned_data["role"])
                        messages.success(request, _("Role changed."))
                elif action == "remove":
                    services.remove_member(request.user, membership.pk)
                    messages.success(request, _("Removed from the unit."))
                return redirect("accounts:unit_members", unit_pk=unit.pk)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for message in error.messages:
                    messages.error(request, message)
                if action != "add":
                    return redirect("accounts:unit_members", unit_pk=unit.pk)
    memberships = unit.memberships.select_related("user").order_by("role", "user__username")
    return render(
        request,
        "accounts/unit_members.html",
        {"unit": unit, "form": form, "memberships": memberships, "roles": Membership.Role.choices},
    )
