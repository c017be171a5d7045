"""Incubation services: the residency life cycle, capacity, one physical base, funds."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from hubportal.access import NotChangeable, NotVisible
from hubportal.models import OutboxMessage
from hubportal.services import StaleVersion
from incubation import services
from incubation.models import (
    BaseRating,
    FundMovement,
    IncubationBase,
    IncubationFund,
    Milestone,
    Residency,
    ServiceDelivery,
)
from orgs.models import Organization
from tests.orgs.factories import make_org

from .conftest import make_base

D = datetime.date


APRIL_1 = D(2024, 4, 1)


@pytest.fixture(autouse=True)
def english():
    """The messages are compared in English (the source language)."""
    with translation.override("en"):
        yield


def admitted(cadre, base, org, on=APRIL_1):
    residency = services.apply_for_residency(cadre, base.pk, org.pk, on=on)
    return services.admit_residency(cadre, residency.pk, on=on)


def snapshot(model):
    return list(model.objects.order_by("pk").values())


def annotated(obj, *names: str) -> tuple:
    """The values a queryset method annotated on `obj` (unknown to the type checker)."""
    return tuple(getattr(obj, name) for name in names)


# Applying -----------------------------------------------------------------------------
def test_representative_applies_for_own_listed_organization(representative, zs_base, zs_orgs):
    org = zs_orgs[0]
    org.representatives.add(representative)
    residency = services.apply_for_residency(representative, zs_base.pk, org.pk, note="我们需要办公场地")
    assert residency.status == "applied" and residency.applied_by == representative and residency.is_physical


def test_representative_cannot_apply_for_another_organization(representative, zs_base, zs_orgs):
    zs_orgs[0].representatives.add(representative)
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(representative, zs_base.pk, zs_orgs[1].pk)
    assert "organization" in error.value.message_dict and zs_orgs[1].name not in str(error.value)
    assert not Residency.objects.exists()


def test_a_representative_of_an_unlisted_organization_cannot_apply(representative, zs_base, zhongshan):
    pending = make_org(zhongshan, "待审核组织", status=Organization.Status.PENDING)
    pending.representatives.add(representative)
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(representative, zs_base.pk, pending.pk)
    assert "organization" in error.value.message_dict
    assert not Residency.objects.exists()


def test_nobody_applies_without_an_account(zs_base, zhongshan):
    orphan = make_org(zhongshan, "无代表组织")  # no representative: `representatives=None` must not match it
    with pytest.raises(ValidationError):
        services.apply_for_residency(None, zs_base.pk, orphan.pk)
    assert not Residency.objects.exists()


def test_unlisted_organization_cannot_apply(zhongshan_cadre, zs_base, zhongshan):
    pending = make_org(zhongshan, "待审核组织", status=Organization.Status.PENDING)
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(zhongshan_cadre, zs_base.pk, pending.pk)
    assert "organization" in error.value.message_dict
    # The refusal names neither the organization nor its status.
    assert "待审核组织" not in str(error.value) and "pending" not in str(error.value).lower()
    assert not Residency.objects.exists()


def test_second_open_application_at_same_base_is_refused(zhongshan_cadre, zs_base, zs_orgs):
    services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    with pytest.raises(ValidationError):
        services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    assert Residency.objects.count() == 1


def test_foshan_cadre_cannot_apply_a_zhongshan_org_to_a_zhongshan_base(foshan_cadre, zs_base, zs_orgs):
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(foshan_cadre, zs_base.pk, zs_orgs[0].pk)
    assert "organization" in error.value.message_dict and zs_orgs[0].name not in str(error.value)


def test_a_base_cadre_cannot_apply_for_an_organization_of_another_city(foshan_cadre, fs_base, zs_orgs):
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(foshan_cadre, fs_base.pk, zs_orgs[0].pk)
    assert "organization" in error.value.message_dict
    assert not Residency.objects.exists()


@pytest.mark.parametrize("base_pk", [0, 999999, "abc", ""])
def test_applying_to_a_base_that_does_not_exist_is_a_field_error(zhongshan_cadre, zs_orgs, base_pk):
    with pytest.raises(ValidationError) as error:
        services.apply_for_residency(zhongshan_cadre, base_pk, zs_orgs[0].pk)
    assert "base" in error.value.message_dict


def test_a_representative_applies_to_a_base_of_another_city(representative, fs_base, zs_orgs):
    """Bases are public facilities: any listed organization may apply to any of them."""
    zs_orgs[0].representatives.add(representative)
    assert services.apply_for_residency(representative, fs_base.pk, zs_orgs[0].pk).status == "applied"


# Capacity and one physical base ---------------------------------------------------------
def test_admitting_beyond_capacity_is_refused_and_nothing_changes(zhongshan_cadre, zs_base, zs_orgs):
    assert zs_base.work_stations == 2
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    admitted(zhongshan_cadre, zs_base, zs_orgs[1])
    third = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[2].pk)
    before = snapshot(Residency)
    with pytest.raises(ValidationError) as error:
        services.admit_residency(zhongshan_cadre, third.pk)
    assert "2" in error.value.messages[0] and "中山市亲青家园" in error.value.messages[0]
    assert snapshot(Residency) == before


def test_a_graduation_frees_a_work_station(zhongshan_cadre, zs_base, zs_orgs):
    first = admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    admitted(zhongshan_cadre, zs_base, zs_orgs[1])
    services.start_residency(zhongshan_cadre, first.pk, on=D(2024, 4, 2))
    services.graduate_residency(zhongshan_cadre, first.pk, ["registered"], on=D(2024, 10, 1))
    third = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[2].pk)
    assert services.admit_residency(zhongshan_cadre, third.pk).status == "admitted"


def test_network_base_has_no_capacity_limit(zhongshan_cadre, net_base, zs_orgs):
    for org in zs_orgs:
        admitted(zhongshan_cadre, net_base, org)
    assert Residency.objects.filter(base=net_base, status="admitted").count() == 4


def test_second_physical_residency_is_refused(zhongshan_cadre, zs_base, guzhen_base, zs_orgs):
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    second = services.apply_for_residency(zhongshan_cadre, guzhen_base.pk, zs_orgs[0].pk)
    before = snapshot(Residency)
    with pytest.raises(ValidationError) as error:
        services.admit_residency(zhongshan_cadre, second.pk)
    assert "one physical base at a time" in error.value.messages[0]
    assert snapshot(Residency) == before


def test_a_network_residency_beside_a_physical_one_is_allowed(zhongshan_cadre, zs_base, net_base, zs_orgs):
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    assert admitted(zhongshan_cadre, net_base, zs_orgs[0]).status == "admitted"


def test_the_schema_refuses_two_physical_residencies(zhongshan_cadre, zs_base, guzhen_base, zs_orgs):
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Residency.objects.create(
            base=guzhen_base, organization=zs_orgs[0], status="incubating", admitted_on=D(2024, 5, 1)
        )


# Life cycle ---------------------------------------------------------------------------
def test_full_life_cycle_with_services_and_milestone(zhongshan_cadre, zs_base, zs_orgs):
    residency = admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    services.start_residency(zhongshan_cadre, residency.pk, on=D(2024, 4, 5))
    services.log_service(zhongshan_cadre, residency.pk, "registration", D(2024, 5, 1), "2.5", "注册材料辅导")
    services.record_milestone(zhongshan_cadre, residency.pk, "registered", D(2024, 8, 1))
    done = services.graduate_residency(
        zhongshan_cadre, residency.pk, ["registered", "backbone"], on=D(2024, 12, 1)
    )
    assert done.status == "graduated" and done.outcomes == ["backbone", "registered"]
    assert done.ended_on == D(2024, 12, 1)
    assert ServiceDelivery.objects.get().hours == Decimal("2.5")


def test_graduation_without_outcome_is_refused(zhongshan_cadre, zs_base, zs_orgs):
    residency = admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    services.start_residency(zhongshan_cadre, residency.pk)
    before = snapshot(Residency)
    with pytest.raises(ValidationError) as error:
        services.graduate_residency(zhongshan_cadre, residency.pk, [])
    assert "outcomes" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.graduate_residency(zhongshan_cadre, residency.pk, ["famous"])
    assert snapshot(Residency) == before


def test_exit_needs_a_reason_and_decline_too(zhongshan_cadre, zs_base, zs_orgs):
    residency = admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    with pytest.raises(ValidationError):
        services.exit_residency(zhongshan_cadre, residency.pk, "  ")
    assert services.exit_residency(zhongshan_cadre, residency.pk, "迁往广州").status == "exited"
    application = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[1].pk)
    with pytest.raises(ValidationError):
        services.decline_residency(zhongshan_cadre, application.pk, "")
    assert services.decline_residency(zhongshan_cadre, application.pk, "不符合条件").status == "declined"


def test_steps_out_of_order_are_refused(zhongshan_cadre, zs_base, zs_orgs):
    application = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    with pytest.raises(ValidationError):
        services.start_residency(zhongshan_cadre, application.pk)
    with pytest.raises(ValidationError):
        services.graduate_residency(zhongshan_cadre, application.pk, ["registered"])
    with pytest.raises(ValidationError):
        services.log_service(zhongshan_cadre, application.pk, "training", None)
    assert Residency.objects.get().status == "applied"


def test_service_log_refuses_bad_values(zhongshan_cadre, zs_base, zs_orgs):
    residency = admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"service_type": "massage", "date": D(2024, 5, 1)}, "service_type"),
        ({"service_type": "training", "date": D(2024, 3, 1)}, "date"),  # before the admission
        ({"service_type": "training", "date": D(2099, 1, 1)}, "date"),
        ({"service_type": "training", "date": D(2024, 5, 1), "hours": "-1"}, "hours"),
        ({"service_type": "training", "date": D(2024, 5, 1), "hours": "abc"}, "hours"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as error:
            services.log_service(zhongshan_cadre, residency.pk, **kwargs)
        assert field in error.value.message_dict
    assert not ServiceDelivery.objects.exists()


def test_town_cadre_cannot_admit_at_the_city_base(guzhen_cadre, zhongshan_cadre, zs_base, zs_orgs):
    application = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    with pytest.raises(NotVisible):
        services.admit_residency(guzhen_cadre, application.pk)
    assert Residency.objects.get().status == "applied"


def test_viewer_cannot_admit(zhongshan_viewer, zhongshan_cadre, zs_base, zs_orgs):
    application = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    with pytest.raises(NotChangeable):
        services.admit_residency(zhongshan_viewer, application.pk)


def test_the_applicant_hears_of_the_decision(representative, zhongshan_cadre, zs_base, zs_orgs):
    representative.email = "rep@example.org"
    representative.save()
    for org in zs_orgs[:2]:
        org.representatives.add(representative)
    first = services.apply_for_residency(representative, zs_base.pk, zs_orgs[0].pk)
    second = services.apply_for_residency(representative, zs_base.pk, zs_orgs[1].pk)
    services.admit_residency(zhongshan_cadre, first.pk)
    services.decline_residency(zhongshan_cadre, second.pk, "工位已满")
    messages = list(OutboxMessage.objects.order_by("pk"))
    assert [m.recipient for m in messages] == ["rep@example.org"] * 2
    assert zs_orgs[0].name in messages[0].subject and "工位已满" in messages[1].body


def test_a_cadre_deciding_their_own_application_gets_no_message(zhongshan_cadre, zs_base, zs_orgs):
    zhongshan_cadre.email = "cadre@example.org"
    zhongshan_cadre.save()
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    assert not OutboxMessage.objects.exists()


# Bases -------------------------------------------------------------------------------
def base_data(base, **changes):
    """What the edit form sends for `base`, with `changes`."""
    data = {f: getattr(base, f) for f in services.BASE_FIELDS if f != "unit"}
    data["unit"] = base.unit_id
    data.update(changes)
    return data


def test_work_stations_cannot_drop_below_residents(zhongshan_cadre, zs_base, zs_orgs):
    admitted(zhongshan_cadre, zs_base, zs_orgs[0])
    admitted(zhongshan_cadre, zs_base, zs_orgs[1])
    with pytest.raises(ValidationError) as error:
        services.update_base(
            zhongshan_cadre, zs_base.pk, base_data(zs_base, work_stations=1), zs_base.version
        )
    assert "work_stations" in error.value.message_dict
    zs_base.refresh_from_db()
    assert (zs_base.work_stations, zs_base.version) == (2, 1)


def test_physical_base_needs_work_stations(zhongshan_cadre, zhongshan):
    from incubation.models import IncubationBase

    data = {"name": "无工位", "unit": zhongshan.pk, "base_type": "physical", "opened_on": D(2024, 1, 1)}
    with pytest.raises(ValidationError) as error:
        services.create_base(zhongshan_cadre, data)
    assert "work_stations" in error.value.message_dict
    assert not IncubationBase.objects.exists()


def test_a_base_is_created_only_for_a_unit_within_reach(zhongshan_cadre, foshan):
    from incubation.models import IncubationBase

    data = {"name": "越界", "unit": foshan.pk, "base_type": "network", "opened_on": D(2024, 1, 1)}
    with pytest.raises(ValidationError) as error:
        services.create_base(zhongshan_cadre, data)
    assert "unit" in error.value.message_dict and "佛山" not in str(error.value)
    assert not IncubationBase.objects.exists()


def test_town_cadre_cannot_save_a_base_of_its_city(guzhen_cadre, zs_base):
    with pytest.raises(NotVisible):
        services.update_base(guzhen_cadre, zs_base.pk, base_data(zs_base, name="改名"), zs_base.version)
    zs_base.refresh_from_db()
    assert zs_base.name == "中山市亲青家园"


def test_viewer_may_not_edit_a_base_it_sees(zhongshan_viewer, zs_base):
    with pytest.raises(NotChangeable):
        services.update_base(zhongshan_viewer, zs_base.pk, base_data(zs_base, name="改名"), zs_base.version)


def test_turning_a_network_base_physical_updates_its_residencies(zhongshan_cadre, net_base, zs_orgs):
    residency = admitted(zhongshan_cadre, net_base, zs_orgs[0])
    assert residency.is_physical is False
    data = base_data(net_base, base_type="physical", work_stations=5)
    services.update_base(zhongshan_cadre, net_base.pk, data, net_base.version)
    residency.refresh_from_db()
    assert residency.is_physical is True


def test_an_edit_bumps_the_version_and_a_stale_one_is_refused(zhongshan_cadre, province_admin, zs_base):
    opened = zs_base.version
    services.update_base(province_admin, zs_base.pk, base_data(zs_base, address="兴中道1号"), opened)
    with pytest.raises(StaleVersion) as error:
        services.update_base(zhongshan_cadre, zs_base.pk, base_data(zs_base, name="改名"), opened)
    assert "李广东" in str(error.value)  # who saved in between
    zs_base.refresh_from_db()
    assert (zs_base.name, zs_base.address, zs_base.version) == ("中山市亲青家园", "兴中道1号", opened + 1)


@pytest.mark.parametrize("sent", [None, "", "abc", "-1", True])
def test_an_edit_without_a_usable_version_is_refused_clearly(zhongshan_cadre, zs_base, sent):
    with pytest.raises(ValidationError) as error:
        services.update_base(zhongshan_cadre, zs_base.pk, base_data(zs_base, name="改名"), sent)
    assert "version" in error.value.message_dict and "Reload" in str(error.value)
    zs_base.refresh_from_db()
    assert zs_base.name == "中山市亲青家园"


def test_saving_an_unchanged_base_changes_nothing(zhongshan_cadre, zs_base):
    before = snapshot(IncubationBase)
    services.update_base(
        zhongshan_cadre, zs_base.pk, base_data(zs_base, services=["registration", "free_office"]), 1
    )
    assert snapshot(IncubationBase) == before


def test_rating_needs_the_right_to_change_the_base(zhongshan_cadre, guzhen_cadre, zs_base):
    services.rate_base(zhongshan_cadre, zs_base.pk, 2024, 4, "2024年度星级评估")
    services.rate_base(zhongshan_cadre, zs_base.pk, "2024", "5", "复评")
    assert list(BaseRating.objects.values_list("year", "stars", "source")) == [(2024, 5, "复评")]
    with pytest.raises(NotVisible):
        services.rate_base(guzhen_cadre, zs_base.pk, 2024, 1)
    with pytest.raises(NotVisible):
        services.rate_base(None, zs_base.pk, 2024, 1)
    for year, stars, field in [
        (2024, 6, "stars"),
        (2024, "x", "stars"),
        (1999, 3, "year"),
        ("今年", 3, "year"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.rate_base(zhongshan_cadre, zs_base.pk, year, stars)
        assert field in error.value.message_dict
    assert BaseRating.objects.get().stars == 5


def test_an_expired_rating_no_longer_gives_the_base_its_stars(zhongshan_cadre, zs_base):
    """The lists' stars and their filter read the latest rating still valid: after its last
    day a base shows its rating as expired, and a rating without an end keeps counting."""
    today = timezone.localdate()
    services.rate_base(zhongshan_cadre, zs_base.pk, 2024, 4, "2024年度", today - datetime.timedelta(days=1))
    base = IncubationBase.objects.with_stars().get(pk=zs_base.pk)
    assert (getattr(base, "stars"), getattr(base, "rated_year")) == (None, 2024)  # noqa: B009 - annotations
    with translation.override("zh-hans"):
        assert base.stars_label == "评级已过期"
    with translation.override("en"):
        assert base.stars_label == "Rating expired"
    services.rate_base(zhongshan_cadre, zs_base.pk, 2025, 3, "2025年度", today)
    assert _stars(zs_base) == 3  # valid through today
    services.rate_base(zhongshan_cadre, zs_base.pk, 2026, 5, "手工录入")
    assert _stars(zs_base) == 5


def _stars(base: IncubationBase) -> int | None:
    return getattr(IncubationBase.objects.with_stars().get(pk=base.pk), "stars")  # noqa: B009 - an annotation


# Funds --------------------------------------------------------------------------------
def test_grant_beyond_balance_is_refused_and_nothing_changes(zhongshan_cadre, zs_fund, zs_base):
    assert zs_fund.balance == Decimal("100000.00")
    before = snapshot(FundMovement)
    with pytest.raises(ValidationError) as error:
        services.grant_money(
            zhongshan_cadre,
            zs_fund.pk,
            "100000.01",
            D(2024, 3, 1),
            "场地改造",
            grantee_base=zs_base.pk,
            approved_by="团市委书记办公会",
        )
    assert "amount" in error.value.message_dict and "100,000.00" in error.value.message_dict["amount"][0]
    assert snapshot(FundMovement) == before
    zs_fund.refresh_from_db()
    assert zs_fund.balance == Decimal("100000.00")


def test_grant_and_reversal_keep_balance_and_movements(zhongshan_cadre, zs_fund, zs_base, zs_orgs):
    granted = services.grant_money(
        zhongshan_cadre,
        zs_fund.pk,
        "30000.50",
        D(2024, 3, 1),
        "场地改造",
        grantee_base=zs_base.pk,
        approved_by="团市委书记办公会",
        disbursed_on=D(2024, 3, 10),
    )
    services.grant_money(
        zhongshan_cadre,
        zs_fund.pk,
        20000,
        D(2024, 3, 2),
        "项目资助",
        grantee_organization=zs_orgs[1].pk,
        approved_by="评审会",
    )
    services.reverse_grant(zhongshan_cadre, granted.pk, D(2024, 4, 1), "项目取消")
    zs_fund.refresh_from_db()
    assert zs_fund.balance == Decimal("80000.00")
    fund = IncubationFund.objects.with_totals().get(pk=zs_fund.pk)
    assert annotated(fund, "computed_balance") == (fund.balance,)
    assert annotated(fund, "raised", "granted", "reversed_total") == (
        Decimal("100000.00"),
        Decimal("50000.50"),
        Decimal("30000.50"),
    )
    with pytest.raises(ValidationError):
        services.reverse_grant(zhongshan_cadre, granted.pk, D(2024, 4, 2), "again")
    movements = FundMovement.objects.filter(fund=zs_fund).with_running_balance()
    balances = [annotated(m, "running_balance")[0] for m in movements]
    assert balances == [Decimal("100000.00"), Decimal("69999.50"), Decimal("49999.50"), Decimal("80000.00")]


@pytest.mark.parametrize(
    ("amount", "message_part"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("1.005", "two decimal"),
        ("abc", "yuan"),
        ("NaN", "yuan"),
        ("1e20", "too large"),
    ],
)
def test_bad_amounts_are_refused(zhongshan_cadre, zs_fund, amount, message_part):
    with pytest.raises(ValidationError) as error:
        services.raise_money(zhongshan_cadre, zs_fund.pk, amount, D(2024, 3, 1), "捐赠")
    assert message_part in str(error.value.message_dict["amount"])
    assert FundMovement.objects.count() == 1


def test_grant_needs_exactly_one_grantee_within_the_fund_unit(
    zhongshan_cadre, zs_fund, zs_base, fs_base, zs_orgs
):
    common: dict[str, Any] = {"approved_by": "办公会"}
    with pytest.raises(ValidationError):
        services.grant_money(zhongshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", **common)
    with pytest.raises(ValidationError):
        services.grant_money(
            zhongshan_cadre,
            zs_fund.pk,
            10,
            D(2024, 3, 1),
            "x",
            grantee_base=zs_base.pk,
            grantee_organization=zs_orgs[0].pk,
            **common,
        )
    with pytest.raises(ValidationError) as error:
        services.grant_money(
            zhongshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=fs_base.pk, **common
        )
    assert "grantee_base" in error.value.message_dict and fs_base.name not in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.grant_money(zhongshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=zs_base.pk)
    assert "approved_by" in error.value.message_dict
    assert FundMovement.objects.count() == 1


def test_foshan_cadre_cannot_move_zhongshan_money(foshan_cadre, zs_fund, zs_base):
    with pytest.raises(NotVisible):
        services.raise_money(foshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x")
    with pytest.raises(NotVisible):
        services.grant_money(
            foshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=zs_base.pk, approved_by="y"
        )
    assert FundMovement.objects.count() == 1


def test_town_cadre_cannot_grant_from_its_city_fund(guzhen_cadre, zs_fund, guzhen_base):
    with pytest.raises(NotVisible):
        services.grant_money(
            guzhen_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=guzhen_base.pk, approved_by="y"
        )


def test_the_schema_refuses_a_negative_balance(zs_fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        IncubationFund.objects.filter(pk=zs_fund.pk).update(balance=Decimal("-0.01"))


def test_one_fund_per_unit(zhongshan):
    IncubationFund.objects.create(unit=zhongshan, name="A", established_on=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IncubationFund.objects.create(unit=zhongshan, name="B", established_on=D(2024, 1, 1))


def test_the_schema_refuses_a_grant_without_grantee(zs_fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundMovement.objects.create(fund=zs_fund, kind="granted", amount=1, date=D(2024, 3, 1), purpose="x")


def test_movement_before_fund_established_is_refused(zhongshan_cadre, zs_fund):
    with pytest.raises(ValidationError) as error:
        services.raise_money(zhongshan_cadre, zs_fund.pk, 10, D(2023, 12, 31), "x")
    assert "date" in error.value.message_dict


def test_city_cadre_acts_at_a_town_base_in_its_subtree(zhongshan_cadre, guzhen):
    base = make_base(guzhen, "古镇二号亲青家园", work_stations=1)
    org = make_org(guzhen, "古镇灯饰青年会")
    assert admitted(zhongshan_cadre, base, org).status == "admitted"


def test_a_milestone_needs_an_organization_the_base_took_in(zhongshan_cadre, zs_base, zs_orgs):
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    with pytest.raises(ValidationError):
        services.record_milestone(zhongshan_cadre, residency.pk, "registered", D(2024, 4, 2))
    services.decline_residency(zhongshan_cadre, residency.pk, "不符合条件", D(2024, 4, 2))
    with pytest.raises(ValidationError):
        services.record_milestone(zhongshan_cadre, residency.pk, "registered", D(2024, 4, 3))
    assert not Milestone.objects.exists()


def test_a_viewer_sees_the_fund_but_cannot_grant_from_it(zhongshan_viewer, zs_fund, zs_base):
    with pytest.raises(NotChangeable):
        services.grant_money(
            zhongshan_viewer, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=zs_base.pk, approved_by="y"
        )
    assert FundMovement.objects.count() == 1


def test_a_grant_to_an_organization_of_another_city_does_not_name_it(zhongshan_cadre, zs_fund, fs_org):
    with pytest.raises(ValidationError) as error:
        services.grant_money(
            zhongshan_cadre, zs_fund.pk, 10, None, "x", grantee_organization=fs_org.pk, approved_by="y"
        )
    assert "grantee_organization" in error.value.message_dict and fs_org.name not in str(error.value)


def test_a_fund_is_created_and_edited_on_its_version(zhongshan_cadre, guzhen):
    fund = services.create_fund(
        zhongshan_cadre,
        {"unit": guzhen, "name": "古镇基金", "established_on": D(2024, 1, 1), "description": ""},
    )
    assert (fund.balance, fund.version) == (Decimal("0.00"), 1)
    services.raise_money(zhongshan_cadre, fund.pk, "500", D(2024, 2, 1), "捐赠")
    data = {"unit": guzhen.pk, "name": "古镇青年基金", "established_on": D(2024, 1, 1), "description": "新"}
    services.update_fund(zhongshan_cadre, fund.pk, data, "1")
    fund.refresh_from_db()
    assert (fund.name, fund.balance, fund.version) == ("古镇青年基金", Decimal("500.00"), 2)
    with pytest.raises(StaleVersion):
        services.update_fund(zhongshan_cadre, fund.pk, dict(data, name="又改"), 1)
    with pytest.raises(ValidationError) as error:
        services.update_fund(zhongshan_cadre, fund.pk, dict(data, established_on=D(2024, 3, 1)), 2)
    assert "established_on" in error.value.message_dict
    fund.refresh_from_db()
    assert (fund.name, fund.established_on, fund.version) == ("古镇青年基金", D(2024, 1, 1), 2)


def test_a_reversal_needs_a_reason_and_a_grant(zhongshan_cadre, zs_fund, zs_base):
    raised = FundMovement.objects.get(fund=zs_fund)
    with pytest.raises(ValidationError):
        services.reverse_grant(zhongshan_cadre, raised.pk, None, "退回")
    granted = services.grant_money(
        zhongshan_cadre, zs_fund.pk, 10, D(2024, 3, 1), "x", grantee_base=zs_base.pk, approved_by="y"
    )
    with pytest.raises(ValidationError) as error:
        services.reverse_grant(zhongshan_cadre, granted.pk, None, " ")
    assert "reason" in error.value.message_dict
    assert FundMovement.objects.filter(kind="reversal").count() == 0
