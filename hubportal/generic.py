"""Generic cadre pages parameterised by model, filterset, columns and form.

A concrete list page is a few lines: the model, its FilterSet, its columns. Every page
reads its rows through `visible_to()`, so jurisdiction is never re-implemented per view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DeleteView, DetailView, ListView, UpdateView

from .history import history_of
from .jurisdiction import Action
from .registry import list_actions_for

PAGE_SIZES = (20, 50, 100, 200)


@dataclass(frozen=True)
class Column:
    """One column of a list table: a label and a dotted attribute (or a method name)."""

    label: Any
    attr: str
    link: bool = False
    order_by: str | None = None  # the ?ordering= value that sorts by this column


def resolve(obj: Any, attr: str) -> Any:
    value = obj
    for part in attr.split("."):
        if value is None:
            return None
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display is not None else getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class JurisdictionMixin(LoginRequiredMixin):
    """Reads rows through `visible_to()` with the action the view needs."""

    model: type[models.Model]
    action: Action = Action.VIEW

    def scoped_queryset(self, action: Action | None = None):
        return self.model.objects.visible_to(self.request.user, action or self.action)

    def get_queryset(self):
        return self.optimize(self.scoped_queryset())

    def optimize(self, queryset):
        """Add select_related/prefetch_related here so a page's query count is fixed."""
        return queryset


class ObjectListView(JurisdictionMixin, ListView):
    filterset_class: Any = None
    columns: list[Column] = []
    template_name = "generic/object_list.html"
    partial_template_name = "generic/_object_table.html"
    default_ordering: str | None = None
    title: Any = ""
    create_url_name: str | None = None
    extra_actions: list[tuple[Any, str]] = []  # (label, url name) buttons above the table

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", 50))
        except ValueError:
            size = 50
        return size if size in PAGE_SIZES else 50

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = self.filterset.qs if self.filterset.is_bound else queryset
        else:
            self.filterset = None
        ordering = self.request.GET.get("ordering") or self.default_ordering
        allowed = {c.order_by for c in self.columns if c.order_by}
        allowed |= {f"-{o}" for o in allowed}
        if ordering and (ordering in allowed or ordering == self.default_ordering):
            queryset = queryset.order_by(ordering, "pk")
        return queryset

    def get_template_names(self):
        if is_htmx(self.request) and not self.request.headers.get("HX-Boosted"):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title or self.model._meta.verbose_name_plural,
            columns=self.columns,
            filterset=self.filterset,
            querystring=query.urlencode(),
            ordering=self.request.GET.get("ordering", ""),
            page_sizes=PAGE_SIZES,
            can_create=bool(self.create_url_name and self.request.user.jurisdiction_paths(Action.CHANGE))
            or (self.create_url_name and self.request.user.is_superuser),
            create_url_name=self.create_url_name,
            extra_actions=[*self.extra_actions, *list_actions_for(self.model)],
            rows=[(obj, [resolve(obj, c.attr) for c in self.columns]) for obj in context["object_list"]],
        )
        return context


class ObjectDetailView(JurisdictionMixin, DetailView):
    template_name = "generic/object_detail.html"
    fields: list[str] = []  # shown as a definition list when the template is generic
    edit_url_name: str | None = None
    delete_url_name: str | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        can_change = (
            self.model.objects.visible_to(self.request.user, Action.CHANGE).filter(pk=obj.pk).exists()
        )
        context.update(
            title=str(obj),
            fields=[(obj._meta.get_field(f).verbose_name, resolve(obj, f)) for f in self.fields],
            history=history_of(obj),
            can_change=can_change,
            edit_url_name=self.edit_url_name,
            delete_url_name=self.delete_url_name,
        )
        return context


class ObjectEditView(JurisdictionMixin, UpdateView):
    """Create (no pk in the URL) or update a record the user may change."""

    action = Action.CHANGE
    template_name = "generic/object_form.html"
    success_message: Any = ""

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        obj = get_object_or_404(
            self.model.objects.visible_to(self.request.user, Action.VIEW), pk=self.kwargs["pk"]
        )
        if not self.scoped_queryset(Action.CHANGE).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        return obj

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = (
            _("Edit %(name)s") % {"name": self.object}
            if self.object
            else _("New %(kind)s") % {"kind": self.model._meta.verbose_name}
        )
        return context

    def form_valid(self, form):
        with transaction.atomic():
            self.object = self.save_form(form)
        messages.success(self.request, self.success_message or _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def save_form(self, form):
        return form.save()

    def get_success_url(self):
        return self.object.get_absolute_url()


class ObjectDeleteView(JurisdictionMixin, DeleteView):
    action = Action.CHANGE
    template_name = "generic/object_confirm_delete.html"
    success_url_name: str = "home"

    def get_success_url(self):
        return reverse(self.success_url_name)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request, _("This record is still referenced by other records and cannot be deleted.")
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted."))
        return response
