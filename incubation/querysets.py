"""Querysets of the incubation app: jurisdiction plus the set-based derived values that
pages, the API and the metrics share (stars, checklist score, occupancy, fund balance)."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from django.db import models
from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from hubportal.jurisdiction import JurisdictionQuerySet

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


class IncubationQuerySet(JurisdictionQuerySet):
    """The plain scoped queryset of the app's dependent records."""


class BaseQuerySet(JurisdictionQuerySet):
    def with_stars(self) -> Self:
        """`stars`: the latest year's rating still valid today, or None (shown as “not yet
        rated”, or “rating expired” when `rated_year`, the latest rating's year, exists)."""
        from .models import BaseRating

        latest = BaseRating.objects.filter(base=OuterRef("pk")).order_by("-year")
        in_force = latest.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
        return self.annotate(
            stars=Subquery(in_force.values("stars")[:1]), rated_year=Subquery(latest.values("year")[:1])
        )

    def with_checklist_score(self) -> Self:
        """`checklist_score`: how far the base meets the active items of the standard manual,
        weighted, in percent (0–100); None while no item is configured."""
        from .models import BaseChecklistResult, ChecklistItem

        met = (
            BaseChecklistResult.objects.filter(base=OuterRef("pk"), met=True, item__active=True)
            .order_by()
            .values("base")
            .annotate(w=Sum("item__weight"))
            .values("w")
        )
        # A window sum puts the total weight of the active items on every row; take one.
        total = (
            ChecklistItem.objects.filter(active=True)
            .order_by()
            .annotate(w=Window(Sum("weight")))
            .values("w")[:1]
        )
        score = models.ExpressionWrapper(
            Coalesce(Subquery(met, output_field=models.IntegerField()), 0)
            * Value(Decimal("100.0"))
            / models.functions.NullIf(Subquery(total, output_field=models.IntegerField()), 0),
            output_field=DecimalField(max_digits=6, decimal_places=1),
        )
        return self.annotate(checklist_score=score)

    def with_residents(self) -> Self:
        """`residents`: organizations admitted or incubating now (the occupied work stations)."""
        from .models import Residency

        counted = (
            Residency.objects.filter(base=OuterRef("pk"), status__in=["admitted", "incubating"])
            .order_by()
            .values("base")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(residents=Coalesce(Subquery(counted, output_field=models.IntegerField()), 0))


class ResidencyQuerySet(JurisdictionQuerySet):
    def resident(self) -> Self:
        return self.filter(status__in=["admitted", "incubating"])

    def incubated(self) -> Self:
        """Admitted at some point: admitted, incubating, graduated or exited."""
        return self.filter(status__in=["admitted", "incubating", "graduated", "exited"])


def signed_amount() -> Case:
    """A movement's effect on its fund's balance: grants out, the rest in."""
    return Case(
        When(kind="granted", then=-F("amount")),
        default=F("amount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


class FundQuerySet(JurisdictionQuerySet):
    def with_totals(self) -> Self:
        """`raised`, `granted`, `reversed_total` and `computed_balance` from the movements."""
        money = DecimalField(max_digits=14, decimal_places=2)
        return self.annotate(
            raised=Coalesce(
                Sum("movements__amount", filter=Q(movements__kind="raised")), ZERO, output_field=money
            ),
            granted=Coalesce(
                Sum("movements__amount", filter=Q(movements__kind="granted")), ZERO, output_field=money
            ),
            reversed_total=Coalesce(
                Sum("movements__amount", filter=Q(movements__kind="reversal")), ZERO, output_field=money
            ),
        ).annotate(computed_balance=F("raised") - F("granted") + F("reversed_total"))


class FundMovementQuerySet(JurisdictionQuerySet):
    def grants(self) -> Self:
        return self.filter(kind="granted")

    def with_running_balance(self) -> Self:
        """`running_balance`: the fund's balance after each movement (a window sum).

        Only right over ALL the movements of the funds concerned (a window sees just the
        filtered rows); under other filters use `with_balance_after()`.
        """
        return self.annotate(
            running_balance=Window(
                Sum(signed_amount()), partition_by=[F("fund_id")], order_by=[F("date").asc(), F("pk").asc()]
            )
        )

    def with_balance_after(self) -> Self:
        """`running_balance` computed per row from all earlier movements of the same fund,
        right under any filter (one correlated sum on the (fund, date) index per row)."""
        from .models import FundMovement

        earlier = (
            FundMovement.objects.filter(fund=OuterRef("fund"))
            .filter(Q(date__lt=OuterRef("date")) | Q(date=OuterRef("date"), pk__lte=OuterRef("pk")))
            .order_by()
            .values("fund")
            .annotate(total=Sum(signed_amount()))
            .values("total")
        )
        return self.annotate(
            running_balance=Subquery(earlier, output_field=DecimalField(max_digits=14, decimal_places=2))
        )
