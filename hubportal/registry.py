"""Small registries that let each domain app plug into shared pages without the shell
knowing about it: navigation entries, the live counters on a cadre's home page, and
buttons on another app's list page.

Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str = "circle"
    # who sees it: "public", "cadre", "representative", "assessor", "staff"
    audience: str = "cadre"
    order: int = 100
    # Items of one menu show as one drop-down in the bar, so it fits a 1280 px screen in
    # every language; an item without a menu stands alone.
    menu: str | Promise = ""


@dataclass(frozen=True)
class HomeCounter:
    """A number on the cadre home page: `count(unit)` must be one set-based query."""

    label: str | Promise
    count: Callable[[Any], int | str]  # a count, or a figure already formatted (a share)
    url_name: str | None = None
    order: int = 100
    # The list's filters that select exactly what is counted (the unit's subtree is added):
    # the number and the list it opens must agree.
    query: tuple[tuple[str, str], ...] = ()

    def link(self, unit: Any) -> str:
        from django.urls import reverse
        from django.utils.http import urlencode

        if not self.url_name:
            return ""
        return f"{reverse(self.url_name)}?{urlencode([('subtree', unit.pk), *self.query])}"


@dataclass(frozen=True)
class ListAction:
    """A button above another app's list page (an export, an import); the generic list
    appends its current query string, so an export gets the list's filters."""

    label: str | Promise
    url_name: str
    model: str  # "app_label.modelname" of the list, e.g. "orgs.organization"
    order: int = 100


@dataclass(frozen=True)
class RecordLink:
    """A link on another app's record page (the organization's training record on the
    organization's page): `url_name` takes the record's primary key."""

    label: str | Promise
    url_name: str
    model: str  # "app_label.modelname" of the record page, e.g. "orgs.organization"
    icon: str = "box-arrow-up-right"
    order: int = 100


NAV_ITEMS: list[NavItem] = []
HOME_COUNTERS: list[HomeCounter] = []
LIST_ACTIONS: list[ListAction] = []
RECORD_LINKS: list[RecordLink] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: i.order)


def register_home_counter(counter: HomeCounter) -> None:
    if counter not in HOME_COUNTERS:
        HOME_COUNTERS.append(counter)
        HOME_COUNTERS.sort(key=lambda c: c.order)


def register_list_action(action: ListAction) -> None:
    if action not in LIST_ACTIONS:
        LIST_ACTIONS.append(action)
        LIST_ACTIONS.sort(key=lambda a: a.order)


def register_record_link(link: RecordLink) -> None:
    if link not in RECORD_LINKS:
        RECORD_LINKS.append(link)
        RECORD_LINKS.sort(key=lambda a: a.order)


def record_links_for(obj: Any) -> list[tuple[Any, str, str]]:
    """(label, icon, url) of the links other apps put on this record's page."""
    from django.urls import reverse

    label = obj._meta.label_lower
    return [
        (link.label, link.icon, reverse(link.url_name, args=[obj.pk]))
        for link in RECORD_LINKS
        if link.model == label
    ]


def list_actions_for(model: Any) -> list[tuple[Any, str]]:
    """(label, url name) of the buttons other apps added to `model`'s list page."""
    label = model._meta.label_lower
    return [(a.label, a.url_name) for a in LIST_ACTIONS if a.model == label]


@dataclass(frozen=True)
class NavEntry:
    """One entry of the bar: a link, or a menu of links (`items`)."""

    label: str | Promise
    icon: str
    items: tuple[NavItem, ...]

    @property
    def is_menu(self) -> bool:
        return len(self.items) > 1

    @property
    def url_name(self) -> str:
        return self.items[0].url_name


def nav_entries(items: list[NavItem]) -> list[NavEntry]:
    """The bar's entries in order: items sharing a menu gathered at the first one's place."""
    entries: list[NavEntry] = []
    menus: dict[str, int] = {}
    for item in items:
        key = str(item.menu) if item.menu else ""
        if key and key in menus:
            entry = entries[menus[key]]
            entries[menus[key]] = NavEntry(entry.label, entry.icon, (*entry.items, item))
            continue
        if key:
            menus[key] = len(entries)
        entries.append(NavEntry(item.menu or item.label, item.icon, (item,)))
    # A menu with one visible item is just that item.
    return [e if e.is_menu else NavEntry(e.items[0].label, e.icon, e.items) for e in entries]


def nav_for(user: Any) -> list[NavItem]:
    audiences = {"public"}
    if user.is_authenticated:
        if user.is_superuser or user.is_staff:
            audiences.add("staff")
        if user.is_cadre:
            audiences.add("cadre")
        if user.is_representative:
            audiences.add("representative")
        if user.is_assessor:
            audiences.add("assessor")
    return [item for item in NAV_ITEMS if item.audience in audiences]


def app_modules(name: str, *, exclude: tuple[str, ...] = ()) -> list[Any]:
    """The `<app>.<name>` module of every installed app that has one (e.g. "demo", "scale"),
    in INSTALLED_APPS order. An app without the module is skipped; an error while importing
    a module that exists is raised, never taken for a missing module."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        if config.name in exclude or find_spec(config.name) is None:
            continue
        if find_spec(f"{config.name}.{name}") is not None:
            found.append(import_module(f"{config.name}.{name}"))
    return found
