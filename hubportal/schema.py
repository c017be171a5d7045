"""OpenAPI schema hooks (drf-spectacular's POSTPROCESSING_HOOKS): what the generator cannot
see from the views, so that every answer the API gives is one the schema declares."""

from __future__ import annotations

from typing import Any

# Every error body is DRF's: {"detail": "..."} or field errors {"field": ["...", ...]}
# (`non_field_errors` for the rest), as `hubportal.drf.exception_handler` answers them.
ERROR_SCHEMA = {
    "type": "object",
    "description": 'An error: `{"detail": "…"}`, or the messages by field (`non_field_errors` for the rest).',
    "additionalProperties": True,
}

ERRORS = {
    "400": "The request is invalid: the messages say what to change.",
    "401": "Not authenticated (the token is unknown or has expired).",
    "403": "Not authenticated, or the record may be seen but not changed by the caller.",
    "404": "No such record within the caller's jurisdiction (or no such page of a list).",
    "429": "Too many requests: `Retry-After` says when to try again.",
}
WRITE_ERRORS = {
    "409": "The record was changed meanwhile (a stale `version`), or its state forbids the step.",
}
WRITES = {"post", "put", "patch", "delete"}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_answer(content_type: str, description: str = "") -> Any:
    """`@file_answer(XLSX)` on an action that answers with a file: the schema declares its 200
    as binary of that content type, and no filter or page parameters."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiResponse, extend_schema

    return extend_schema(
        responses={(200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)},
        filters=False,
    )


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Declare the error answers every operation may give, with one shared `Error` body."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = ERRORS | (WRITE_ERRORS if method in WRITES else {})
            for code, description in errors.items():
                responses.setdefault(code, {"content": body, "description": description})
    return result
