"""Shared API building blocks: jurisdiction-scoped viewsets whose writes are services.

- Lists read `visible_to(user, VIEW)`; one record is read with `hubportal.access.get_for`,
  so the API answers like the pages: 404 outside the jurisdiction, 403 when only viewable.
- Writes never call `serializer.save()` on a model: `create_service(actor, data)`,
  `update_service(actor, pk, data[, version=])` and `destroy_service(actor, pk)` do them,
  and a method without its service answers 405. The services re-read every related record
  in the body through `get_for`/`related_for` inside their transaction.
- `service_action()` makes a domain step an API action in one line.
- A service's refusal becomes an answer in `hubportal.drf.exception_handler` (400 with field
  errors, 404, 403, 409 for a stale version).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .access import get_for
from .jurisdiction import Action
from .pagecache import serve_api_list
from .replica import on_replica


class JurisdictionScoped(viewsets.GenericViewSet):
    """Rows through `visible_to()`, one record through `get_for()` (404/403 like the pages)."""

    permission_classes = [permissions.IsAuthenticated]
    # The right an action needs on its record, when not the default (view for reads,
    # change for writes): e.g. an approval is read with VIEW and decided by the service.
    object_rights: dict[str, Action] = {}

    def get_queryset(self) -> Any:
        source: Any = getattr(self, "queryset", None)
        if source is None:
            source = getattr(self.get_serializer_class(), "Meta").model._default_manager  # noqa: B009
        return self.optimize(source.all().visible_to(self.request.user, Action.VIEW))

    def optimize(self, queryset):
        return queryset

    def object_right(self) -> Action:
        if self.action in self.object_rights:
            return self.object_rights[self.action]
        declared = getattr(getattr(self, self.action or "", None), "required_right", None)
        if declared is not None:
            return declared
        return Action.VIEW if self.request.method in permissions.SAFE_METHODS else Action.CHANGE

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        return get_for(self.request.user, self.get_queryset(), self.kwargs[lookup], self.object_right())

    def reload(self, obj: Any) -> Any:
        """The saved record as the list serializes it (annotations included)."""
        return self.get_queryset().get(pk=obj.pk)


class JurisdictionViewSet(JurisdictionScoped, viewsets.ModelViewSet):
    """A model viewset whose every row comes through `visible_to()` and every write through
    a service."""

    create_service: Callable[..., Any] | None = None
    update_service: Callable[..., Any] | None = None
    destroy_service: Callable[..., Any] | None = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # a read replica serves the lists when there is one; a page unchanged since it was
        # last read comes from the cache (hubportal.pagecache)
        parent = super().list
        return on_replica(serve_api_list, request, lambda: parent(request, *args, **kwargs))

    # Services are read from the class: a function stored on it must not bind to the view.
    def perform_create(self, serializer: Any) -> None:
        create = type(self).create_service
        if create is None:
            raise exceptions.MethodNotAllowed(str(self.request.method))
        serializer.instance = self.reload(create(self.request.user, serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        update = type(self).update_service
        if update is None:
            raise exceptions.MethodNotAllowed(str(self.request.method))
        data = dict(serializer.validated_data)
        extra = {"version": data.pop("version", None)} if "version" in serializer.fields else {}
        serializer.instance = self.reload(update(self.request.user, serializer.instance.pk, data, **extra))

    def perform_destroy(self, instance: Any) -> None:
        destroy = type(self).destroy_service
        if destroy is None:
            raise exceptions.MethodNotAllowed(str(self.request.method))
        destroy(self.request.user, instance.pk)


class JurisdictionReadOnlyViewSet(JurisdictionScoped, viewsets.ReadOnlyModelViewSet):
    """Lists and records to read; domain steps are `service_action`s (POST on a record),
    while a POST, PUT or DELETE on the list or the record itself answers 405."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = super().list  # a replica serves it, and the cache a page unchanged since
        return on_replica(serve_api_list, request, lambda: parent(request, *args, **kwargs))


class _ServiceAction:
    """Installs the action under whatever attribute name it is given (DRF routes an action
    by its function's name, which must be the attribute's)."""

    def __init__(self, build: Callable[[str, Any], Any]) -> None:
        self.build = build

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, self.build(name, owner))


def service_action(
    service: Callable[..., Any],
    *,
    body: type[serializers.Serializer] | None = None,
    url_path: str | None = None,
    right: Action | None = None,
    created: bool = False,
    description: str = "",
) -> Any:
    """A detail action of a viewset that runs one service on the record:

        admit = service_action(services.admit_residency, body=DateBody)

    The record is read with `right` (default: change), the body validated by `body`, then
    `service(actor, pk, **body)` runs; the answer is the changed record (or the record the
    service returns, e.g. a reversal) serialized like the list, 201 when `created`.
    """

    def build(name: str, owner: Any) -> Any:
        # The answer is the viewset's own serializer; a created record's with 201, as it is sent.
        answers = {201: owner.serializer_class} if created else None

        def run(self: JurisdictionScoped, request: Request, pk: Any = None) -> Response:
            record = self.get_object()
            kwargs: dict[str, Any] = {}
            if body is not None:
                checked = body(data=request.data, context=self.get_serializer_context())
                checked.is_valid(raise_exception=True)
                kwargs = dict(checked.validated_data)
            result = service(request.user, record.pk, **kwargs)
            shown = result if isinstance(result, self.get_queryset().model) else record
            return Response(
                self.get_serializer(self.reload(shown)).data,
                status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            )

        run.__name__ = name
        # No serializer_class here: the answer is the viewset's own serializer.
        decorated = action(detail=True, methods=["post"], url_path=url_path or name.replace("_", "-"))(run)
        # After @action, which replaces the function's kwargs (where the annotation lives).
        decorated = extend_schema(
            request=body, responses=answers, description=description or (service.__doc__ or "").strip()
        )(decorated)
        if right is not None:
            setattr(decorated, "required_right", right)  # noqa: B010 - read by JurisdictionScoped.object_right
        return decorated

    return _ServiceAction(build)


class UnitInJurisdictionField(serializers.PrimaryKeyRelatedField):
    """A league unit chosen in an API body: only units the user may change are accepted."""

    default_error_messages = {
        # DRF fills the message with str.format(); the unit is not named (it may be foreign).
        "does_not_exist": gettext_lazy("Choose a unit that exists and lies within the units you may change."),
    }

    def get_queryset(self):
        from orgs.models import LeagueUnit

        request = self.context.get("request")
        return LeagueUnit.objects.visible_to(request.user if request else None, Action.CHANGE)
