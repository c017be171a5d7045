"""Service functions: jurisdiction re-checks, optimistic locking, review, status history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hubportal.access import NotChangeable, NotVisible
from hubportal.services import StaleVersion
from orgs import services
from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, Organization, StatusChange

from .factories import credit_code, id_number, make_org

pytestmark = pytest.mark.django_db

BASE = {"name": "中山青年义工联", "tier": "N", "kind": "social_organization", "category": "public_welfare"}


def messages(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def test_cadre_creates_a_listed_organization(zhongshan_cadre, guzhen):
    org = services.create_organization(zhongshan_cadre, {**BASE, "governing_unit": guzhen})
    assert org.status == "listed" and org.name_initials == "zsqnygl" and org.version == 1
    change = StatusChange.objects.get(organization=org)
    assert (change.from_status, change.to_status, change.by) == ("", "listed", zhongshan_cadre)


def test_cadre_cannot_create_outside_jurisdiction(zhongshan_cadre, foshan):
    with pytest.raises(ValidationError) as caught:
        services.create_organization(zhongshan_cadre, {**BASE, "governing_unit": foshan})
    assert "governing_unit" in messages(caught.value)
    assert not Organization.objects.exists()


def test_town_cadre_cannot_create_at_city_level(guzhen_cadre, zhongshan):
    with pytest.raises(ValidationError):
        services.create_organization(guzhen_cadre, {**BASE, "governing_unit": zhongshan})


def test_registered_organization_needs_valid_credit_code(zhongshan_cadre, zhongshan):
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            zhongshan_cadre, {**BASE, "governing_unit": zhongshan, "registration_status": "social_group"}
        )
    assert "credit_code" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            zhongshan_cadre,
            {
                **BASE,
                "governing_unit": zhongshan,
                "registration_status": "social_group",
                "credit_code": "91350100M000100Y44",
            },
        )
    assert "check character" in str(messages(caught.value)["credit_code"]) or "校验" in str(
        messages(caught.value)["credit_code"]
    )


def test_duplicate_credit_code_has_a_specific_message(zhongshan_cadre, zhongshan):
    code = credit_code()
    make_org(zhongshan, "甲", registration_status="social_group", credit_code=code)
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            zhongshan_cadre,
            {**BASE, "governing_unit": zhongshan, "registration_status": "foundation", "credit_code": code},
        )
    assert list(messages(caught.value)) == ["credit_code"]


def test_self_registration_is_pending_with_representative(representative, guzhen):
    org = services.create_organization(representative, {**BASE, "governing_unit": guzhen}, registration=True)
    assert org.status == "pending" and org.submitted_at is not None
    assert list(org.representatives.all()) == [representative]


def test_optimistic_lock_refuses_stale_edit(zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "石岐青年读书会")
    services.update_organization(zhongshan_cadre, org.pk, {"youth_covered": 300}, version=1)
    with pytest.raises(StaleVersion) as caught:
        services.update_organization(zhongshan_cadre, org.pk, {"youth_covered": 500}, version=1)
    assert "version" in messages(caught.value)
    org.refresh_from_db()
    assert (org.youth_covered, org.version) == (300, 2)


def test_registration_date_set_when_registered(zhongshan_cadre, zhongshan):
    org = make_org(zhongshan)
    assert org.registered_on is None
    org = services.update_organization(
        zhongshan_cadre,
        org.pk,
        {"registration_status": "non_enterprise", "credit_code": credit_code()},
        version=1,
    )
    assert org.registered_on == timezone.localdate()
    org = services.update_organization(
        zhongshan_cadre, org.pk, {"registration_status": "unregistered", "credit_code": ""}, version=2
    )
    assert org.registered_on is None


def test_foshan_cadre_cannot_edit_zhongshan_org(foshan_cadre, zhongshan):
    org = make_org(zhongshan)
    with pytest.raises(NotVisible):
        services.update_organization(foshan_cadre, org.pk, {"name": "改名"}, version=1)


def test_town_cadre_cannot_change_city_level_org(guzhen_cadre, zhongshan):
    org = make_org(zhongshan)
    with pytest.raises(NotVisible):
        services.change_status(guzhen_cadre, org.pk, "suspended", "测试")


def test_viewer_is_refused_with_permission_denied(zhongshan_viewer, zhongshan):
    org = make_org(zhongshan)
    with pytest.raises(NotChangeable):
        services.change_status(zhongshan_viewer, org.pk, "suspended", "测试")


def test_representative_key_field_edit_goes_to_review(representative, zhongshan_cadre, guzhen):
    org = make_org(guzhen, "古镇灯饰青年商会")
    org.representatives.add(representative)
    org = services.update_organization(
        representative, org.pk, {"name": "古镇灯饰青年企业家商会", "address": "古镇镇中兴大道1号"}, version=1
    )
    assert org.name == "古镇灯饰青年商会" and org.address == "古镇镇中兴大道1号"
    assert org.pending_changes == {"name": "古镇灯饰青年企业家商会"}
    org = services.approve_registration(zhongshan_cadre, org.pk)
    assert (
        org.name == "古镇灯饰青年企业家商会"
        and org.pending_changes == {}
        and org.name_initials == "gzdsqnqyjsh"
    )
    assert StatusChange.objects.filter(organization=org, from_status="listed", to_status="listed").exists()


def test_representative_cannot_edit_another_org(representative, guzhen):
    org = make_org(guzhen)
    with pytest.raises(NotVisible):
        services.update_organization(representative, org.pk, {"address": "x"}, version=1)


def test_review_approve_return_reject(representative, guzhen_cadre, guzhen):
    org = services.create_organization(representative, {**BASE, "governing_unit": guzhen}, registration=True)
    with pytest.raises(ValidationError) as caught:
        services.return_registration(guzhen_cadre, org.pk, "")
    assert "reason" in messages(caught.value)
    services.return_registration(guzhen_cadre, org.pk, "请补充章程")
    org.refresh_from_db()
    assert org.status == "returned" and org.name == BASE["name"]  # keeps what the group typed
    services.resubmit_registration(representative, org.pk)
    services.approve_registration(guzhen_cadre, org.pk, "符合条件")
    org.refresh_from_db()
    assert org.status == "listed"
    steps = list(
        StatusChange.objects.filter(organization=org).order_by("at", "pk").values_list("to_status", "reason")
    )
    assert steps == [("pending", ""), ("returned", "请补充章程"), ("pending", ""), ("listed", "符合条件")]
    with pytest.raises(ValidationError):
        services.reject_registration(guzhen_cadre, org.pk, "重复")  # listed cannot be rejected


def test_reject_registration(representative, guzhen_cadre, guzhen):
    org = services.create_organization(representative, {**BASE, "governing_unit": guzhen}, registration=True)
    services.reject_registration(guzhen_cadre, org.pk, "非青年组织")
    org.refresh_from_db()
    assert org.status == "rejected"
    with pytest.raises(ValidationError):
        services.change_status(guzhen_cadre, org.pk, "listed")


def test_find_possible_duplicates(zhongshan, guzhen):
    code = credit_code()
    same_code = make_org(zhongshan, "完全不同的名字", registration_status="social_group", credit_code=code)
    near = make_org(guzhen, "古镇灯饰青年商会")
    make_org(zhongshan, "古镇灯饰青年商会分会")  # a near name, but in another unit
    found = services.find_possible_duplicates("古镇灯饰青年商会", code, guzhen)
    assert set(found) == {same_code, near}
    assert services.find_possible_duplicates("古镇灯饰青年商會", "", guzhen) == [near]
    assert services.find_possible_duplicates("小榄舞狮队", "", guzhen) == []


def test_direct_contact(zhongshan_cadre, guzhen_cadre, zhongshan, guzhen, foshan):
    org = make_org(guzhen)
    since = datetime.date(2026, 1, 1)
    contact = services.add_direct_contact(zhongshan_cadre, org.pk, {"unit": zhongshan.pk, "since": since})
    assert contact.unit == zhongshan
    with pytest.raises(ValidationError) as caught:
        services.add_direct_contact(zhongshan_cadre, org.pk, {"unit": zhongshan.pk, "since": since})
    assert "organization" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.add_direct_contact(guzhen_cadre, org.pk, {"unit": zhongshan.pk, "since": since})
    assert list(messages(caught.value)) == ["unit"]  # the city is not the town cadre's to speak for
    foshan_org = make_org(foshan)
    with pytest.raises(NotVisible):
        services.add_direct_contact(zhongshan_cadre, foshan_org.pk, {"unit": zhongshan.pk, "since": since})
    assert DirectContact.objects.count() == 1


def test_backbone_member_with_id_number(guzhen_cadre, guzhen):
    org = make_org(guzhen)
    member = services.add_backbone_member(
        guzhen_cadre,
        org.pk,
        {"name": "王小明", "gender": "male", "phone": "13812345678", "id_number": id_number("19950612")},
    )
    assert member.birth_date == datetime.date(1995, 6, 12) and member.birth_year == 1995
    with pytest.raises(ValidationError) as caught:
        services.add_backbone_member(
            guzhen_cadre, org.pk, {"name": "李四", "gender": "female", "id_number": "110105194912310021"}
        )
    assert "id_number" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.add_backbone_member(
            guzhen_cadre, org.pk, {"name": "李四", "gender": "female", "phone": "12345"}
        )
    assert "phone" in messages(caught.value)
    assert BackboneMember.objects.count() == 1


def test_league_building_joint_needs_two(guzhen_cadre, guzhen):
    a, b = make_org(guzhen), make_org(guzhen)
    data = {
        "mode": "embedded",
        "form": "joint",
        "branch_name": "联合团支部",
        "founded_on": datetime.date(2026, 1, 1),
        "member_count": 12,
    }
    with pytest.raises(ValidationError) as caught:
        services.record_league_building(guzhen_cadre, a.pk, data)
    assert "organizations" in messages(caught.value)
    building = services.record_league_building(guzhen_cadre, a.pk, {**data, "organizations": [b.pk]})
    assert set(building.organizations.all()) == {a, b} and building.unit == guzhen
    assert set(Organization.objects.with_league_building()) == {a, b}
    assert LeagueBuilding.objects.count() == 1


def test_contact_log(guzhen_cadre, guzhen):
    org = make_org(guzhen)
    entry = services.log_contact(
        guzhen_cadre, org.pk, {"date": datetime.date(2026, 3, 1), "kind": "visit", "days": Decimal("0.5")}
    )
    assert entry.unit == guzhen and entry.cadre == guzhen_cadre
    with pytest.raises(ValidationError) as caught:
        services.log_contact(
            guzhen_cadre,
            org.pk,
            {"date": timezone.localdate() + datetime.timedelta(days=3), "kind": "visit", "days": 1},
        )
    assert "date" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.log_contact(
            guzhen_cadre, org.pk, {"date": datetime.date(2026, 3, 1), "kind": "visit", "days": 0}
        )
    assert "days" in messages(caught.value)
    assert ContactLog.objects.count() == 1


def test_saved_filters(zhongshan_cadre):
    saved = services.save_filter(zhongshan_cadre, "古镇公益类", "?category=public_welfare&page=3&subtree=5")
    assert saved.query == "category=public_welfare&subtree=5"
    with pytest.raises(ValidationError):
        services.save_filter(zhongshan_cadre, "", "category=x")
    services.delete_filter(zhongshan_cadre, saved.pk)


def test_saving_without_a_change_keeps_the_version(zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "石岐青年读书会", youth_covered=30)
    same = services.update_organization(zhongshan_cadre, org.pk, {"youth_covered": 30, "name": org.name}, 1)
    assert same.version == 1
    org.refresh_from_db()
    assert org.version == 1


@pytest.mark.parametrize("version", [None, "", "abc", "-2"])
def test_a_missing_or_garbled_version_is_refused_with_a_field_message(zhongshan_cadre, zhongshan, version):
    org = make_org(zhongshan)
    with pytest.raises(ValidationError) as caught:
        services.update_organization(zhongshan_cadre, org.pk, {"youth_covered": 9}, version)
    assert not isinstance(caught.value, StaleVersion)
    assert list(messages(caught.value)) == ["version"]


def test_a_foreign_unit_in_the_input_is_refused_without_naming_it(zhongshan_cadre, zhongshan, foshan):
    org = make_org(zhongshan)
    for unit in (foshan.pk, 99_999_999, "abc"):
        with pytest.raises(ValidationError) as caught:
            services.update_organization(zhongshan_cadre, org.pk, {"governing_unit": unit}, 1)
        text = " ".join(messages(caught.value)["governing_unit"])
        assert foshan.name not in text and str(foshan.pk) not in text
    org.refresh_from_db()
    assert org.governing_unit == zhongshan


def test_representative_of_a_pending_registration_edits_through_the_same_service(representative, guzhen):
    org = services.create_organization(representative, {**BASE, "governing_unit": guzhen}, registration=True)
    org = services.update_organization(representative, org.pk, {"name": "中山青年义工总队"}, 1)
    assert org.name == "中山青年义工总队" and org.pending_changes == {}
    document = services.add_document(representative, org.pk, "other", pdf_file())
    assert document.uploaded_by == representative


def pdf_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def test_review_decisions_queue_the_message_to_the_group(representative, guzhen_cadre, guzhen):
    from hubportal.models import OutboxMessage

    representative.email = "rep@example.cn"
    representative.save()
    org = services.create_organization(
        representative, {**BASE, "governing_unit": guzhen, "email": "team@example.cn"}, registration=True
    )
    assert not OutboxMessage.objects.exists()  # submitting tells nobody
    services.return_registration(guzhen_cadre, org.pk, "请补充章程")
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert {m.recipient for m in rows} == {"team@example.cn", "rep@example.cn"}
    assert all("请补充章程" in m.body and m.tag_list == ["registration"] for m in rows)
    assert {m.user_id for m in rows} == {None, representative.pk}
    services.resubmit_registration(representative, org.pk)
    assert OutboxMessage.objects.count() == 2  # resubmitting tells nobody
    services.approve_registration(guzhen_cadre, org.pk)
    assert OutboxMessage.objects.count() == 4


def test_a_refused_decision_rolls_back_its_message(representative, guzhen_cadre, guzhen):
    from hubportal.models import OutboxMessage

    org = services.create_organization(
        representative, {**BASE, "governing_unit": guzhen, "email": "team@example.cn"}, registration=True
    )
    with pytest.raises(ValidationError):
        services.decide_registration(guzhen_cadre, org.pk, "reject", "")
    with pytest.raises(ValidationError):
        services.decide_registration(guzhen_cadre, org.pk, "maybe", "")
    assert not OutboxMessage.objects.exists()


# League units ---------------------------------------------------------------------------------
UNIT = {"name": "新设街道", "level": "town", "kind": "regional", "is_active": True}


def test_city_cadre_creates_moves_and_deletes_a_unit(zhongshan_cadre, zhongshan, guzhen):
    from orgs.models import LeagueUnit

    county = services.create_unit(
        zhongshan_cadre, {**UNIT, "name": "新区", "level": "county", "parent": zhongshan}
    )
    town = services.create_unit(zhongshan_cadre, {**UNIT, "parent": zhongshan.pk})
    assert town.path.startswith(zhongshan.path) and town.region == zhongshan.region
    town = services.update_unit(zhongshan_cadre, town.pk, {"parent": county.pk}, version=town.version)
    assert town.path.startswith(county.path) and town.depth == county.depth + 1
    services.delete_unit(zhongshan_cadre, town.pk)
    assert not LeagueUnit.objects.filter(pk=town.pk).exists()


def test_a_unit_cannot_move_below_itself(zhongshan_cadre, province_admin, zhongshan, guzhen):
    with pytest.raises(ValidationError) as caught:
        services.update_unit(province_admin, zhongshan.pk, {"parent": guzhen.pk}, version=zhongshan.version)
    assert list(messages(caught.value)) == ["parent"]
    with pytest.raises(ValidationError):
        services.update_unit(
            province_admin, zhongshan.pk, {"parent": zhongshan.pk}, version=zhongshan.version
        )
    zhongshan.refresh_from_db()
    assert zhongshan.depth == 1


def test_a_unit_goes_only_under_a_unit_the_cadre_may_change(zhongshan_cadre, guzhen_cadre, foshan, zhongshan):
    with pytest.raises(ValidationError) as caught:
        services.create_unit(zhongshan_cadre, {**UNIT, "parent": foshan.pk})
    assert foshan.name not in str(messages(caught.value)["parent"])
    with pytest.raises(ValidationError) as caught:
        services.create_unit(zhongshan_cadre, UNIT)
    assert "parent" in messages(caught.value)
    with pytest.raises(NotVisible):
        services.update_unit(zhongshan_cadre, foshan.pk, {"name": "改名"})
    with pytest.raises(NotVisible):
        services.delete_unit(guzhen_cadre, zhongshan.pk)


def test_a_unit_still_referenced_is_kept_with_a_message(province_admin, zhongshan, guzhen):
    make_org(guzhen)
    with pytest.raises(ValidationError) as caught:
        services.delete_unit(province_admin, guzhen.pk)
    assert "青年组织" in " ".join(caught.value.messages) or "organization" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        services.delete_unit(province_admin, zhongshan.pk)  # it has sub-units
    guzhen.refresh_from_db()


def test_a_viewer_may_not_change_a_unit(zhongshan_viewer, guzhen):
    with pytest.raises(NotChangeable):
        services.update_unit(zhongshan_viewer, guzhen.pk, {"name": "改名"})
