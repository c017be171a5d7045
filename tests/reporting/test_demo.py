"""The demo data: idempotent, with the SPEC §5 programmes and a year of reports."""

from reporting import demo
from reporting.metrics import registry
from reporting.models import Programme, Report, TargetRule, TargetSnapshot

from .conftest import at


def test_demo_is_idempotent_and_complete(units, clock):
    clock.move_to(at(2026, 11, 21))
    from orgs.demo import seed_users

    seed_users(units)
    demo.seed(units)
    counts = (Report.objects.count(), TargetRule.objects.count(), TargetSnapshot.objects.count())
    demo.seed(units)
    assert (Report.objects.count(), TargetRule.objects.count(), TargetSnapshot.objects.count()) == counts
    assert Programme.objects.count() == 3
    assert TargetRule.objects.filter(label__startswith="珠三角地市").count() == 5
    statuses = set(Report.objects.values_list("status", flat=True))
    assert {"approved", "returned", "submitted"} <= statuses
    # A metric no installed app provides yet (the card metrics until cards/ registers them)
    # shows no value, never 0; every metric with a source shows a value.
    without_source = {m.code for m in registry.all() if not m.has_source}
    rules_without = set(TargetRule.objects.filter(metric__in=without_source).values_list("metric", flat=True))
    for code in rules_without:
        assert TargetSnapshot.objects.filter(period="2026Q4", status="no_data", rule__metric=code).exists()
    assert (
        not TargetSnapshot.objects.filter(period="2026Q4", status="no_data")
        .exclude(rule__metric__in=without_source)
        .exists()
    )
    assert TargetSnapshot.objects.filter(period="2026Q4", value__isnull=False).exists()
    assert not TargetSnapshot.objects.filter(status="no_data", value__isnull=False).exists()
