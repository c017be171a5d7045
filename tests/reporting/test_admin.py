"""The admin shows filed reports and other domain records but never changes them: filing,
approval and unlocking happen only through the services. Forms and programmes stay editable."""

from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from reporting import models
from tests.conftest import make_user

from .conftest import file_report

READ_ONLY = [
    models.Report,
    models.TargetSnapshot,
    models.UnlockRequest,
    models.ReturnReason,
    models.Reminder,
    models.SpotCheck,
    models.SpotCheckItem,
]


@pytest.fixture
def superuser(db):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_domain_records_are_read_only_in_the_admin(model, superuser, rf):
    admin = site._registry[model]
    request = rf.get("/")
    request.user = superuser
    assert admin.has_view_permission(request)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


@pytest.mark.parametrize("model", [models.ReportForm, models.Programme], ids=lambda m: m.__name__)
def test_forms_and_programmes_stay_editable(model, superuser, rf):
    admin = site._registry[model]
    request = rf.get("/")
    request.user = superuser
    assert admin.has_add_permission(request) and admin.has_change_permission(request)


def test_an_administrator_cannot_approve_a_report_by_editing_its_status(
    clock, client_for, superuser, guzhen_cadre, monthly_form, guzhen
):
    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    client = client_for(superuser)
    url = reverse("admin:reporting_report_change", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()  # shown, not editable
    response = client.post(url, {"status": "approved", "version": report.version})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "submitted" and report.approved_by is None
