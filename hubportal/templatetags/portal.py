"""Template helpers shared by every page."""

from django import forms, template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with the Bootstrap class that suits it."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(field) -> bool:
    """A list of boxes or radio buttons, drawn one Bootstrap form-check per option."""
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)


@register.filter
def check_options(field):
    """The options of a box or radio list, each input with Bootstrap's class."""
    options = list(field)
    for option in options:
        attrs = option.data.setdefault("attrs", {})
        attrs["class"] = "form-check-input" + (" is-invalid" if field.errors else "")
    return options


@register.simple_tag
def query_with(querystring: str, **kwargs) -> str:
    """The current query string with some parameters replaced (sorting, page)."""
    from django.http import QueryDict

    query = QueryDict(querystring, mutable=True)
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag
def querystring_of(**kwargs) -> str:
    return urlencode({k: v for k, v in kwargs.items() if v not in (None, "")})


@register.filter
def may_manage(unit, user) -> bool:
    """`{% if unit|may_manage:user %}`: whether the user administers this unit's subtree."""
    from hubportal.jurisdiction import Action, user_can

    return user_can(user, unit, Action.MANAGE)
