"""DRF settings hooks (pagination, error format), kept apart from hubportal.api so that
DRF can import them while it is itself still being imported."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, filters, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class TooManyRequests(exceptions.APIException):
    """A 429 carrying the portal's own translated message (DRF's `Throttled` appends its own
    wording), with `Retry-After` from `wait`."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, detail: str, wait: int | None = None) -> None:
        super().__init__(detail)
        self.wait = wait


class Pagination(pagination.PageNumberPagination):
    """Pages of `hubportal.pagination.CountingPaginator`: `count` is exact up to 1,000 rows
    and the planner's estimate beyond (`count_exact: false`); `?count=exact` counts exactly."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        from .pagination import CountingPaginator, wants_exact

        exact = wants_exact(request.query_params)
        self.django_paginator_class = lambda *args, **kwargs: CountingPaginator(*args, exact=exact, **kwargs)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # noqa: S101 - paginate_queryset ran first
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_exact": not getattr(paginator, "count_is_estimate", False),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "false: `count` is an estimate (more than 1,000 rows); ask `?count=exact`",
        }
        answer["properties"] = {
            key: answer["properties"][key] for key in ("count", "count_exact", "next", "previous", "results")
        }
        return answer


NON_FIELD = "non_field_errors"


def validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as DRF's error body: errors by field, the rest under
    `non_field_errors` (Django's `__all__` key included)."""
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD: list(exc.messages)}
    return {(NON_FIELD if key == "__all__" else key): list(value) for key, value in exc.message_dict.items()}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one translation of a service's refusal into an API answer, never a 500:
    a stale version → 409, a ValidationError → 400 with field errors, a record out of
    reach → 404, a permission refusal → 403, a used-up rate limit → 429, each with the
    service's own message."""
    from .access import NotVisible
    from .ratelimit import RateLimited
    from .services import StaleVersion

    if isinstance(exc, RateLimited):
        exc = TooManyRequests(exc.message, exc.wait)
    if isinstance(exc, StaleVersion):
        return Response(validation_detail(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, NotVisible):
        exc = exceptions.NotFound(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class PinyinOrderingFilter(filters.OrderingFilter):
    """`?ordering=` as the pages sort (hubportal.collation.sort_terms): a text column in pinyin
    order (阿 < 北 < 中), the rest as given; a view's default `ordering` goes the same way."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        from .collation import sort_terms

        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms: list[Any] = []
        for term in ordering:
            terms.extend(sort_terms(queryset.model, term) if isinstance(term, str) else [term])
        return queryset.order_by(*terms)


def version_field() -> serializers.IntegerField:
    """The `version` of a versioned record in an API body: read with the record, sent back on
    update. Optional in the schema so that a create can leave it out; the update service
    refuses an update without it (400) or with a stale one (409, `StaleVersion`)."""
    return serializers.IntegerField(
        required=False,
        help_text=gettext_lazy(
            "Required when updating: the version you read (a stale one is answered with 409)."
        ),
    )
