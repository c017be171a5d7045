from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
