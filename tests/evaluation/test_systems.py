"""Indicator systems: a tree that must add up before it is published, frozen once published
(by the services and by the database), changed only through a new version."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evaluation import services
from evaluation.models import Indicator, IndicatorSystem

from .factories import make_system


def test_publishing_freezes_the_tree_and_totals_it(base_system):
    assert base_system.status == "published"
    assert base_system.total_points == Decimal("40")
    assert base_system.published_at is not None


def test_a_change_to_a_published_system_is_refused_and_changes_nothing(province_admin, base_system):
    leaf = base_system.indicators.get(code="A1")
    calls = [
        lambda: services.update_system(
            province_admin, base_system.pk, {"name": "改"}, version=base_system.version
        ),
        lambda: services.add_indicator(
            province_admin, base_system.pk, {"code": "C", "name": "新", "max_points": 5}
        ),
        lambda: services.update_indicator(province_admin, leaf.pk, {"max_points": 99}),
        lambda: services.delete_indicator(province_admin, leaf.pk),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as refused:
            call()
        assert "frozen" in " ".join(refused.value.messages)
    leaf.refresh_from_db()
    assert leaf.max_points == Decimal("10") and base_system.indicators.count() == 6


def test_the_database_itself_refuses_to_change_a_published_systems_indicators(base_system):
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        Indicator.objects.filter(system=base_system, code="A1").update(max_points=Decimal("1"))


def test_a_new_version_copies_the_tree_as_a_draft_and_publishing_it_retires_the_old(
    province_admin, base_system
):
    draft = services.new_system_version(province_admin, base_system.pk)
    assert (draft.code, draft.edition, draft.status) == (base_system.code, 2, "draft")
    assert sorted(draft.indicators.values_list("code", "max_points")) == sorted(
        base_system.indicators.values_list("code", "max_points")
    )
    copied = draft.indicators.select_related("parent").get(code="B1")
    assert copied.parent is not None
    assert copied.parent.code == "B" and copied.parent.system_id == draft.pk
    services.update_indicator(province_admin, copied.pk, {"max_points": 20}, version=copied.version)
    services.update_indicator(
        province_admin, copied.parent_id, {"max_points": 25}, version=copied.parent.version
    )
    services.publish_system(province_admin, draft.pk)
    base_system.refresh_from_db()
    assert base_system.status == "retired"
    assert IndicatorSystem.objects.get(pk=draft.pk).total_points == Decimal("45")
    services.new_system_version(province_admin, draft.pk)
    with pytest.raises(ValidationError, match="draft version"):
        services.new_system_version(province_admin, draft.pk)


def test_a_tree_that_does_not_add_up_cannot_be_published(province_admin, province):
    system = make_system(province_admin, province, publish=False)
    section = system.indicators.get(code="A")
    services.update_indicator(province_admin, section.pk, {"max_points": 25}, version=section.version)
    with pytest.raises(ValidationError) as refused:
        services.publish_system(province_admin, system.pk)
    assert "A 基础条件 is worth 25 points but its indicators add up to 20" in " ".join(refused.value.messages)
    assert IndicatorSystem.objects.get(pk=system.pk).status == "draft"


def test_sub_indicators_stop_at_the_third_level(province_admin, province):
    system = make_system(province_admin, province, publish=False)
    leaf = system.indicators.get(code="A1")
    sub = services.add_indicator(
        province_admin, system.pk, {"parent": leaf.pk, "code": "A1.1", "name": "子", "max_points": 10}
    )
    assert sub.depth == 2
    with pytest.raises(ValidationError, match="cannot have indicators below"):
        services.add_indicator(
            province_admin, system.pk, {"parent": sub.pk, "code": "A1.1.1", "name": "孙", "max_points": 1}
        )


def test_only_a_base_system_links_the_standard_checklist(province_admin, province):
    from incubation.models import ChecklistItem

    item = ChecklistItem.objects.create(code="A1", text="有固定的办公场地", weight=3)
    system = make_system(province_admin, province, "organization", publish=False)
    with pytest.raises(ValidationError, match="standard manual"):
        services.add_indicator(
            province_admin,
            system.pk,
            {"code": "Z", "name": "场地", "max_points": 5, "checklist_item": item.pk},
        )


def test_a_cadre_cannot_edit_another_citys_draft(foshan_cadre, zhongshan_cadre, zhongshan):
    from hubportal.access import NotVisible

    draft = make_system(zhongshan_cadre, zhongshan, publish=False)
    with pytest.raises(NotVisible):
        services.add_indicator(foshan_cadre, draft.pk, {"code": "X", "name": "x", "max_points": 1})
