"""Blind panels: assessors from the pool, assigned by hand or automatically with the load
balanced; an assessor tied to the subject by the registry's own facts (a cadre of its
owning unit, a representative or backbone member of the organization) or by a declared
conflict is excluded, with the tie named."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership
from evaluation import services
from evaluation.models import Assignment
from hubportal.models import OutboxMessage
from orgs.models import BackboneMember
from tests.orgs.factories import id_number, make_org

from .factories import add_to_pool, make_assessor, make_round, make_system


@pytest.fixture
def entered(zhongshan_cadre, zs_round, zs_base, guzhen_base):
    return [services.enter_subject(zhongshan_cadre, zs_round.pk, b.pk) for b in (zs_base, guzhen_base)]


def test_a_cadre_of_the_owning_unit_is_refused_with_the_tie(zhongshan_cadre, entered, pool, guzhen):
    Membership.objects.create(user=pool[1], unit=guzhen, role=Membership.Role.VIEWER)
    guzhen_subject = entered[1]
    with pytest.raises(ValidationError) as refused:
        services.assign_assessor(zhongshan_cadre, guzhen_subject.pk, pool[1].pk)
    assert refused.value.message_dict["assessor"] == [
        f"{pool[1]} cannot assess 古镇镇亲青家园: a conflict of interest (is a cadre of the subject's owning unit)."
    ]
    assert not Assignment.objects.exists()
    services.assign_assessor(zhongshan_cadre, entered[0].pk, pool[1].pk)  # not tied to 中山's own base


@pytest.fixture
def org_subject(zhongshan_cadre, zhongshan, province_admin, province):
    system = make_system(province_admin, province, "organization")
    round_obj = make_round(zhongshan_cadre, zhongshan, system)
    org = make_org(zhongshan, "石岐青年读书会")
    return services.enter_subject(zhongshan_cadre, round_obj.pk, org.pk)


def test_representatives_and_backbone_members_are_excluded(
    zhongshan_cadre, org_subject, province_admin, province
):
    rep, by_id, by_phone, free = (make_assessor(f"tied{n}") for n in range(4))
    org = org_subject.organization
    org.representatives.add(rep)
    BackboneMember.objects.create(
        organization=org, name="王骨干", gender="male", id_number=id_number(serial=321)
    )
    BackboneMember.objects.create(organization=org, name="李骨干", gender="female", phone="13900139000")
    by_phone.phone = "13900139000"
    by_phone.save()
    for person in (rep, by_id, by_phone, free):
        add_to_pool(
            province_admin,
            province,
            person,
            **({"id_number": id_number(serial=321)} if person == by_id else {}),
        )
    for person, why in (
        (rep, "represents the organization"),
        (by_id, "backbone member"),
        (by_phone, "backbone member"),
    ):
        with pytest.raises(ValidationError, match=why):
            services.assign_assessor(zhongshan_cadre, org_subject.pk, person.pk)
    services.assign_assessor(zhongshan_cadre, org_subject.pk, free.pk)
    assert list(Assignment.objects.values_list("assessor", flat=True)) == [free.pk]


def test_automatic_panels_balance_load_and_leave_out_conflicts(
    zhongshan_cadre, zs_round, entered, pool, guzhen
):
    Membership.objects.create(user=pool[0], unit=guzhen, role=Membership.Role.VIEWER)  # tied to 古镇's base
    result = services.assign_panels(zhongshan_cadre, zs_round.pk)
    assert result == {"assigned": 6, "short": 0}
    panels = {s.pk: set(s.assignments.values_list("assessor_id", flat=True)) for s in entered}
    assert all(len(p) == 3 for p in panels.values())
    assert pool[0].pk not in panels[entered[1].pk]
    load = Counter(a for p in panels.values() for a in p)
    assert max(load.values()) == 1  # six seats, six assessors: one each
    assert services.assign_panels(zhongshan_cadre, zs_round.pk) == {"assigned": 0, "short": 0}


def test_automatic_panels_say_when_the_pool_is_too_small(zhongshan_cadre, zs_round, entered, pool):
    services.update_round(zhongshan_cadre, zs_round.pk, {"panel_size": 7}, version=zs_round.version)
    result = services.assign_panels(zhongshan_cadre, zs_round.pk)
    assert result == {"assigned": 12, "short": 2}


def test_assessors_hear_of_their_assignments_once(zhongshan_cadre, zs_round, entered, pool):
    for person in pool:
        person.email = f"{person.username}@example.cn"
        person.save()
    services.assign_panels(zhongshan_cadre, zs_round.pk)
    messages = OutboxMessage.objects.filter(tags__contains="assignment")
    assert messages.count() == 6
    assert all("1 new assessments" in m.body for m in messages)


def test_a_complete_panel_takes_no_more(zhongshan_cadre, entered, pool):
    for person in pool[:3]:
        services.assign_assessor(zhongshan_cadre, entered[0].pk, person.pk)
    with pytest.raises(ValidationError, match=r"complete \(3 assessors\)"):
        services.assign_assessor(zhongshan_cadre, entered[0].pk, pool[3].pk)


def test_an_assessor_outside_the_pool_is_refused(zhongshan_cadre, entered):
    outsider = make_assessor("outsider")
    with pytest.raises(ValidationError) as refused:
        services.assign_assessor(zhongshan_cadre, entered[0].pk, outsider.pk)
    assert refused.value.message_dict["assessor"] == ["Choose an active assessor of the round's expert pool."]


def test_a_declared_conflict_recuses_and_keeps_the_assessor_off_that_subject(zhongshan_cadre, entered, pool):
    zhongshan_cadre.email = "zs@example.cn"
    zhongshan_cadre.save()
    assignment = services.assign_assessor(zhongshan_cadre, entered[0].pk, pool[0].pk)
    with pytest.raises(ValidationError, match="ties you"):
        services.declare_conflict(pool[0], assignment.pk, "")
    services.declare_conflict(pool[0], assignment.pk, "我曾担任该基地顾问")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.reason) == ("recused", "我曾担任该基地顾问")
    assert OutboxMessage.objects.filter(user=zhongshan_cadre, tags__contains="conflict").exists()
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.assign_assessor(zhongshan_cadre, entered[0].pk, pool[0].pk)


def test_one_assessor_cannot_act_on_anothers_assignment(zhongshan_cadre, entered, pool):
    from hubportal.access import NotVisible

    assignment = services.assign_assessor(zhongshan_cadre, entered[0].pk, pool[0].pk)
    with pytest.raises(NotVisible):
        services.declare_conflict(pool[1], assignment.pk, "冒名")
    with pytest.raises(NotVisible):
        services.declare_conflict(zhongshan_cadre, assignment.pk, "干部代报")
