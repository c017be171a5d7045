from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hubportal import forms as hub

from .models import Membership


class LoginForm(AuthenticationForm):
    """Django's login form with our wording; the lock-out itself is django-axes'."""

    error_messages = {
        "invalid_login": _(
            "The username or password is wrong. Note that both are case-sensitive; "
            "after five failed attempts the account is locked for 15 minutes."
        ),
        "inactive": _("This account has been disabled. Ask your league unit's administrator."),
    }

    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class MemberForm(hub.Form):
    """Add a cadre to a unit: an existing username, or the details of a new account."""

    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=64,
        required=False,
        help_text=_("Family name first, e.g. 王小明. Needed for a new account."),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("A new account receives its set-password link here.")
    )
    phone = forms.RegexField(
        label=_("Mobile phone"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": _("Enter an 11-digit mainland mobile number, e.g. 13800138000.")},
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.VIEWER)
    position = forms.CharField(label=_("Position"), max_length=64, required=False)


class RoleForm(hub.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class ApiTokenForm(hub.Form):
    """A new API token from the account page; the password is asked again, as at the token
    endpoint, so an unattended session cannot mint a key that outlives it."""

    name = forms.CharField(
        label=_("Name of the token"),
        max_length=64,
        required=False,
        help_text=_("Where it will be used, e.g. 月报导入脚本."),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
