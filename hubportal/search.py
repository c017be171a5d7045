"""Search building blocks: character grams for Chinese names of one or two characters.

pg_trgm needs three characters; for “义工” or “青” a table keeps the characters and character
pairs of a name in a stored generated column (`hub_grams(name)`, hubportal migration 0006:
`orgs_organization.name_grams`) with a GIN index. The column is not declared on the model
(PostgreSQL fills it), so queries name it through `StoredColumn`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Expression

SHORT = 2  # up to this many characters a piece of a name is searched by its grams


class StoredColumn(Expression):
    """A column PostgreSQL keeps that the model does not declare, of the query's own table."""

    def __init__(self, column: str, output_field: models.Field) -> None:
        super().__init__(output_field=output_field)
        self.column = column

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"{table}.{connection.ops.quote_name(self.column)}", ()


def grams_alias(field: str) -> dict[str, Any]:
    """`queryset.alias(**grams_alias("name"))` before `holds_short("name", …)`."""
    return {f"{field}_grams": StoredColumn(f"{field}_grams", ArrayField(models.TextField()))}


def holds_short(field: str, text: str) -> Q:
    """`field` holds `text` (one or two characters, any case), from the grams' GIN index."""
    return Q(**{f"{field}_grams__contains": [text.lower()]})
