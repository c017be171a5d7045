"""Chinese labels the registry shares with other installed apps: a bare “Name” is translated
任务名 by django_celery_beat's catalog, which outranks ours, so the registry's own names carry
a context."""

import pytest
from django.utils import translation

from orgs.models import BackboneMember

from .factories import make_org

pytestmark = pytest.mark.django_db


def chinese(client, url: str) -> str:
    return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_name_columns_are_not_task_names(client_for, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "中山青年义工联")
    BackboneMember.objects.create(organization=org, name="陈晓明", gender="male")
    client = client_for(zhongshan_cadre)
    with translation.override("zh-hans"):
        pages = {
            "list": chinese(client, "/orgs/organizations/"),
            "units": chinese(client, "/orgs/units/"),
            "detail": chinese(client, f"/orgs/organizations/{org.pk}/"),
        }
    for name, html in pages.items():
        assert "任务名" not in html, name
    assert ">名称<" in pages["list"].replace(" ", "") or "名称" in pages["list"]
    assert "名称" in pages["units"]
    assert "姓名" in pages["detail"]


def test_list_filter_labels_are_distinct_in_chinese(client_for, zhongshan_cadre):
    """Two filters with the same label (the N kind and the category both read 类别) cannot be
    told apart."""
    import re

    html = chinese(client_for(zhongshan_cadre), "/orgs/organizations/")
    labels = [
        re.sub(r"<[^>]+>|\s", "", label) for label in re.findall(r"(?s)<label[^>]*>(.*?)</label>", html)
    ]
    labels = [label for label in labels if label]
    duplicates = {label for label in labels if labels.count(label) > 1}
    assert not duplicates, duplicates


def test_unit_outside_jurisdiction_is_refused_without_naming_it(zhongshan_cadre, zhongshan, foshan):
    """A body naming another jurisdiction's unit gets the same Chinese message as one naming
    no unit at all: it neither names the unit nor says that it exists (and no placeholder
    such as %(pk_value)s reaches the user: DRF formats with str.format())."""
    from rest_framework.test import APIClient

    org = make_org(zhongshan, "中山青年义工联")
    api = APIClient()
    api.force_authenticate(zhongshan_cadre)
    answers = []
    for unit in (foshan.pk, 99_999_999):
        response = api.post(
            "/api/orgs/direct-contacts/",
            {"organization": org.pk, "unit": unit, "since": "2026-01-01"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400
        answers.append(str(response.json()["unit"][0]))
    message = answers[0]
    assert answers[0] == answers[1]
    assert "%(" not in message and "{" not in message
    assert str(foshan.pk) not in message and foshan.name not in message
    assert "您可修改范围内的单位" in message
