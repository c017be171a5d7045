"""The training pages and API lists: what they show, in a fixed number of queries whatever
their length (the comments name the queries), the compliance board in at most ten."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.orgs.factories import make_org
from training import services
from training.models import Camp, Enrolment

from .conftest import make_camp, make_member, sessions_of

pytestmark = pytest.mark.django_db


def crowd(actor, unit, camps: int, people: int) -> list[Camp]:
    org = make_org(unit, "大组织")
    made = []
    for c in range(camps):
        camp = make_camp(actor, unit, f"训练营{c}", capacity=people + 5)
        for p in range(people):
            services.enrol_member(actor, camp.pk, make_member(org, f"学员{c}-{p}").pk)
        services.confirm_enrolments(actor, camp.pk)
        made.append(camp)
    return made


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        # session, user, memberships, count, rows (+ annotations as subqueries), the change
        # stamp and (not yet cached) the filter's unit choices (hubportal.freshness); lists
        # filtered by camp also read the camps to choose from
        ("/training/camps/", 7),
        ("/training/enrolments/", 8),
        ("/training/sessions/", 8),
        ("/training/attendance/", 8),
        ("/training/people/", 7),
        ("/training/trainers/", 7),
        ("/training/certificates/", 8),  # filtered by camp too
        # session, user, the change stamp (hubportal.pagecache), memberships, count, rows
        ("/api/training/enrolments/", 6),
        ("/api/training/camps/", 7),  # + the audience of the page's camps (prefetch)
        ("/api/training/sessions/", 6),
        ("/api/training/attendance/", 6),
    ],
)
def test_lists_answer_in_a_fixed_number_of_queries(
    url, limit, client_for, zhongshan_cadre, zhongshan, django_assert_max_num_queries
):
    camps = crowd(zhongshan_cadre, zhongshan, 3, 8)
    for camp in camps:
        for enrolment in Enrolment.objects.filter(camp=camp)[:5]:
            services.check_in(zhongshan_cadre, sessions_of(camp)[0].pk, enrolment.qr_payload)
    client = client_for(zhongshan_cadre)
    with django_assert_max_num_queries(limit):
        response = client.get(url, {"per_page": 200, "page_size": 200})
    assert response.status_code == 200


def test_the_compliance_board_answers_in_at_most_ten_queries(
    client_for, province_admin, province, django_assert_max_num_queries
):
    client = client_for(province_admin)
    # session, user, memberships, the units, camps per unit and quarter, people trained,
    # organization heads trained, the period form's units
    with django_assert_max_num_queries(10):
        page = client.get("/training/compliance/", {"year": 2026, "quarter": 4})
    assert page.status_code == 200
    assert "中山市" in page.content.decode()


def camp_held_in_february(cadre, city, member):
    """A camp of the city's series, one member trained, recorded as held on 1 February 2026."""
    camp = make_camp(cadre, city, sessions=1)
    services.enrol_member(cadre, camp.pk, member.pk)
    services.confirm_enrolments(cadre, camp.pk)
    services.check_in(cadre, sessions_of(camp)[0].pk, Enrolment.objects.get().qr_payload)
    services.start_camp(cadre, camp.pk)
    services.finish_camp(cadre, camp.pk)
    Camp.objects.filter(pk=camp.pk).update(finished_at=datetime.datetime(2026, 2, 1, 8, tzinfo=datetime.UTC))
    return camp


def test_the_board_shows_a_city_that_missed_a_quarter(
    client_for, province_admin, zhongshan_cadre, zhongshan, zs_members
):
    camp_held_in_february(zhongshan_cadre, zhongshan, zs_members[0])
    page = (
        client_for(province_admin).get("/training/compliance/", {"year": 2026, "quarter": 3}).content.decode()
    )
    row = page[page.index('data-unit="中山市"') :]
    row = row[: row.index("</tr>")]
    assert 'data-state="met"' in row and row.count('data-state="missed"') == 2


def test_the_compliance_board_exports_what_it_shows(
    client_for, province_admin, zhongshan_cadre, foshan_cadre, zhongshan, zs_members
):
    """The board's Excel holds the page's rows (a city's camps per quarter, its people trained)
    in the shared layout; a city cadre's file stays within the city."""
    import io

    from openpyxl import load_workbook

    camp_held_in_february(zhongshan_cadre, zhongshan, zs_members[0])

    def sheet_of(user):
        response = client_for(user).get("/training/compliance/xlsx/", {"year": 2026, "quarter": 3})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2")
        assert "2026" in sheet["A1"].value and "Q3" in sheet["A1"].value
        return {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}

    rows = sheet_of(province_admin)
    zs = rows["中山市"]
    assert zs[3:8] == (1, 0, 0, 0, 1)  # Q1..Q4, the year
    assert zs[8] == "Q2, Q3"  # the quarters without a camp so far
    assert zs[9] == Enrolment.objects.filter(status=Enrolment.Status.COMPLETED).count()
    assert "佛山市" in rows
    assert "中山市" not in sheet_of(foshan_cadre)
    page = client_for(province_admin).get("/training/compliance/", {"year": 2026, "quarter": 3})
    assert "/training/compliance/xlsx/?year=2026&amp;quarter=3" in page.content.decode()


def test_camp_page_shows_the_waiting_list_in_order(client_for, zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, capacity=1)
    for member in zs_members[:3]:
        services.enrol_member(zhongshan_cadre, camp.pk, member.pk)
    page = client_for(zhongshan_cadre).get(reverse("training:camp_detail", args=[camp.pk])).content.decode()
    waiting = page[page.index('id="waiting-list"') :]
    assert waiting.index("中山骨干1") < waiting.index("中山骨干2")
    assert "候补第 1 位" in waiting and "候补第 2 位" in waiting


def test_enrolments_export_to_excel_with_their_filters(client_for, zhongshan_cadre, zhongshan):
    from io import BytesIO

    from openpyxl import load_workbook

    crowd(zhongshan_cadre, zhongshan, 2, 3)
    camp = Camp.objects.order_by("pk").first()
    assert camp is not None
    response = client_for(zhongshan_cadre).get("/training/enrolments/", {"camp": camp.pk, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(names) == ["学员0-0", "学员0-1", "学员0-2"]


def test_the_phone_pages_of_a_trainee_work_with_the_secret_link_only(
    client, zhongshan_cadre, zs_camp, zs_members
):
    enrolment = services.enrol_member(zhongshan_cadre, zs_camp.pk, zs_members[0].pk)
    services.confirm_enrolment(zhongshan_cadre, enrolment.pk)
    page = client.get(f"/training/t/{enrolment.access_token}/").content.decode()
    assert "<svg" in page and enrolment.code_label in page
    assert client.get("/training/t/not-a-token/").status_code == 404


def test_the_public_list_shows_open_camps_only(client, zhongshan_cadre, zhongshan, zs_camp):
    make_camp(zhongshan_cadre, zhongshan, "筹备中的训练营", open_=False)
    page = client.get("/training/public/").content.decode()
    assert zs_camp.title in page and "筹备中的训练营" not in page


def test_a_representative_signs_up_members_of_their_organization(
    client_for, representative, zs_camp, zs_org, zs_members
):
    zs_org.representatives.add(representative)
    client = client_for(representative)
    response = client.post(
        f"/training/public/{zs_camp.pk}/sign-up/", {"members": [zs_members[0].pk, zs_members[1].pk]}
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(camp=zs_camp).count() == 2


def test_the_calendar_shows_the_months_camps(client_for, zhongshan_cadre, zs_camp):
    page = client_for(zhongshan_cadre).get("/training/calendar/", {"month": "2026-03"}).content.decode()
    assert zs_camp.title in page


def test_check_in_api_answers_each_scan(client_for, zhongshan_cadre, zs_camp, zs_members):
    enrolment = services.enrol_member(zhongshan_cadre, zs_camp.pk, zs_members[0].pk)
    services.confirm_enrolment(zhongshan_cadre, enrolment.pk)
    client = client_for(zhongshan_cadre)
    url = f"/api/training/sessions/{sessions_of(zs_camp)[0].pk}/check-in/"
    first = client.post(url, {"code": enrolment.qr_payload}, content_type="application/json")
    again = client.post(url, {"code": enrolment.code_label}, content_type="application/json")
    unknown = client.post(url, {"code": "ABCD-EFGH"}, content_type="application/json")
    assert (first.json()["status"], again.json()["status"]) == ("ok", "already")
    assert unknown.status_code == 400 and "code" in unknown.json()


def test_a_stale_camp_edit_is_a_conflict_in_the_api(client_for, zhongshan_cadre, zs_camp):
    client = client_for(zhongshan_cadre)
    url = f"/api/training/camps/{zs_camp.pk}/"
    assert (
        client.patch(
            url, {"description": "新", "version": zs_camp.version}, content_type="application/json"
        ).status_code
        == 200
    )
    stale = client.patch(
        url, {"description": "旧", "version": zs_camp.version}, content_type="application/json"
    )
    assert stale.status_code == 409
