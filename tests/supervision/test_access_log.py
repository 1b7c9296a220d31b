"""The personal-data access log (SPEC §11 "Who read whom"): a record for every read of unmasked
personal data and none for a masked view; the bulk-export alert; who sees which records on the
访问记录 page, its CSV and GET /api/v1/access-log/; records can be neither changed nor deleted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from documents.services import document_issue
from supervision import access_log
from supervision.models import AccessRecord
from tests.api import api, error, url
from tests.factories import party
from tests.registers.test_importing import as_csv, row
from workflows.models import Notification

pytestmark = pytest.mark.django_db
Kind = AccessRecord.Kind


@pytest.fixture
def east_case(register):
    return register()


@pytest.fixture
def west_case(register, outsider, world):
    return register(
        actor=outsider,
        organization=world["west"],
        region=world["west_village"],
        parties=[party("applicant", 7), party("respondent", 8)],
    )


def only(**filters) -> AccessRecord:
    [found] = AccessRecord.objects.filter(**filters)
    return found


def _records(client, viewer, name="access", **params):
    client.force_login(viewer)
    return client.get(reverse(f"supervision:{name}"), params)


def _ids(response) -> set[int]:
    return {r["id"] for r in response.json()["results"]}


# --- what is recorded ---------------------------------------------------------------------
def test_case_page_is_recorded(client, clerk, east_case):
    client.force_login(clerk)
    assert client.get(reverse("cases:detail", args=[east_case.pk])).status_code == 200
    record = only(kind=Kind.CASE_PAGE)
    assert (record.user, record.case, record.ip) == (clerk, east_case, "127.0.0.1")
    assert record.at <= timezone.now() and record.cases_count == 0


def test_supervisors_masked_case_page_is_not_recorded(client, supervisor, east_case):
    client.force_login(supervisor)
    assert client.get(reverse("cases:detail", args=[east_case.pk])).status_code == 200
    assert not AccessRecord.objects.exists()


def test_api_case_detail_is_recorded(mediator, supervisor, east_case, outsider):
    assert api(mediator).get(url("case", east_case.pk)).status_code == 200
    assert only(kind=Kind.API_CASE).user == mediator
    assert api(supervisor).get(url("case", east_case.pk)).status_code == 200  # masked
    error(api(outsider).get(url("case", east_case.pk)), 404, "not_found")
    assert AccessRecord.objects.count() == 1


def test_pdf_downloads_are_recorded_when_served(client, clerk, supervisor, east_case):
    doc = east_case.documents.get()
    client.force_login(clerk)
    client.get(reverse("cases:document-pdf", args=[doc.pk]))  # pending: nothing served
    error(api(clerk).get(url("document-pdf", doc.pk)), 409, "invalid_state")
    assert not AccessRecord.objects.exists()
    doc = document_issue(doc.pk)
    assert client.get(reverse("cases:document-pdf", args=[doc.pk])).status_code == 200
    assert api(clerk).get(url("document-pdf", doc.pk)).status_code == 200
    error(api(supervisor).get(url("document-pdf", doc.pk)), 403, "permission_denied")
    page, by_api = AccessRecord.objects.filter(kind=Kind.PDF_DOWNLOAD).order_by("id")
    assert page.case == by_api.case == east_case and page.user == by_api.user == clerk
    assert doc.number in page.detail and by_api.detail.startswith("API")


def test_export_records_the_count_and_the_filter(client, clerk, supervisor, register):
    register(), register(parties=[party("applicant", 3), party("respondent", 4)])
    client.force_login(clerk)
    assert client.get(reverse("cases:export"), {"status": "intake"}).status_code == 200
    record = only(kind=Kind.EXPORT)
    assert (record.user, record.case, record.cases_count) == (clerk, None, 2)
    assert record.detail == "status=intake"
    client.force_login(supervisor)  # masked rows only: not a read of personal data
    assert client.get(reverse("cases:export")).status_code == 200
    assert AccessRecord.objects.count() == 1


def test_an_export_without_rows_is_not_recorded(client, clerk, world):
    client.force_login(clerk)
    assert client.get(reverse("cases:export")).status_code == 200
    assert not AccessRecord.objects.exists()


def test_import_upload_is_recorded(client, clerk, world):
    client.force_login(clerk)
    data = as_csv([row(1), row(2)])
    client.post(
        reverse("cases:import", args=[world["east"].pk]),
        {"step": "check", "file": SimpleUploadedFile("register.csv", data)},
    )
    record = only(kind=Kind.IMPORT_UPLOAD)
    assert (record.user, record.cases_count) == (clerk, 2)
    assert "register.csv" in record.detail and "东村调委" in record.detail


def test_import_command_is_recorded_for_the_acting_user(world, clerk, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(as_csv([row(1)]))
    call_command("import_cases", str(path), "--organization", "东村调委", "--as", "clerk")
    record = only(kind=Kind.IMPORT_UPLOAD)
    assert (record.user, record.cases_count, record.ip) == (clerk, 1, None)


# --- the bulk-export alert ----------------------------------------------------------------
def _export_two(client, clerk, register):
    register(), register(parties=[party("applicant", 3), party("respondent", 4)])
    client.force_login(clerk)
    assert client.get(reverse("cases:export")).status_code == 200


def test_bulk_export_alerts_the_supervisors_in_scope(
    client, settings, clerk, register, supervisor, supervisor_city, director
):
    settings.TIAOJIE_BULK_EXPORT_ALERT = 1
    _export_two(client, clerk, register)
    alerts = Notification.objects.filter(kind=Notification.Kind.BULK_EXPORT)
    # 东镇's supervisor (demo/county.py) is in scope too
    assert {n.user.username for n in alerts} == {
        supervisor.username,
        supervisor_city.username,
        "supervisor_town",
    }
    assert {n.message for n in alerts} == {"赵登记导出了2件案件的当事人个人信息，请关注"}
    assert all(n.case is None for n in alerts)


def test_no_alert_at_the_threshold(client, settings, clerk, register, supervisor):
    settings.TIAOJIE_BULK_EXPORT_ALERT = 2
    _export_two(client, clerk, register)
    assert only(kind=Kind.EXPORT).cases_count == 2
    assert not Notification.objects.filter(kind=Notification.Kind.BULK_EXPORT).exists()


def test_an_export_of_another_committee_alerts_its_own_supervisors(
    client, settings, outsider, west_case, supervisor, supervisor_city
):
    settings.TIAOJIE_BULK_EXPORT_ALERT = 0
    client.force_login(outsider)
    client.get(reverse("cases:export"))
    alerts = Notification.objects.filter(kind=Notification.Kind.BULK_EXPORT)
    assert {n.user for n in alerts} == {supervisor_city}  # 白水县 is not 青山县's


# --- who sees which records ---------------------------------------------------------------
@pytest.fixture
def reads(client, clerk, outsider, east_case, west_case):
    """The clerk reads an east case and exports; clerk_b (西村调委) reads a west case and
    exports. Returns the four records by name."""
    for user, case in ((clerk, east_case), (outsider, west_case)):
        client.force_login(user)
        client.get(reverse("cases:detail", args=[case.pk]))
        client.get(reverse("cases:export"))
    pk = {(r.user.username, r.kind): r.pk for r in AccessRecord.objects.select_related("user")}
    client.logout()
    return {
        "east_page": pk["clerk", Kind.CASE_PAGE],
        "east_export": pk["clerk", Kind.EXPORT],
        "west_page": pk["clerk_b", Kind.CASE_PAGE],
        "west_export": pk["clerk_b", Kind.EXPORT],
    }


def _page_ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    return {int(pk) for pk in re.findall(r'data-record="(\d+)"', html)}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("director", {"east_page", "east_export"}),
        ("supervisor", {"east_page", "east_export"}),
        ("supervisor_city", {"east_page", "east_export", "west_page", "west_export"}),
        ("admin_user", {"east_page", "east_export", "west_page", "west_export"}),
    ],
)
def test_scope_on_page_csv_and_api(client, reads, request, who, sees):
    user = request.getfixturevalue(who)
    expected = {reads[name] for name in sees}
    assert _page_ids(_records(client, user)) == expected
    response = _records(client, user, "access-csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + len(expected)
    assert _ids(api(user).get(url("access-log"))) == expected


def test_page_filters(client, reads, director, east_case):
    assert _page_ids(_records(client, director, case=east_case.number)) == {reads["east_page"]}
    assert _page_ids(_records(client, director, user="赵登")) == {
        reads["east_page"],
        reads["east_export"],
    }
    assert _page_ids(_records(client, director, user="周登记")) == set()
    today = timezone.localdate()
    assert len(_page_ids(_records(client, director, **{"from": today, "to": today}))) == 2
    tomorrow = today + dt.timedelta(days=1)
    assert _page_ids(_records(client, director, **{"from": tomorrow})) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "不是有效日期"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "结束日期不能早于开始日期"),
        ({"page": "x"}, "页码须为正整数"),
        ({"case": "a\x00b"}, "含有无效字符"),
    ],
)
def test_bad_input_is_a_chinese_message_not_a_500(client, director, params, message):
    for name in ("access", "access-csv"):
        response = _records(client, director, name, **params)
        assert response.status_code == 400 and message in response.content.decode()


@pytest.mark.parametrize("name", ["access", "access-csv"])
def test_clerks_and_mediators_403(client, clerk, mediator, name):
    for user in (clerk, mediator):
        response = _records(client, user, name)
        assert response.status_code == 403
        assert "只有调委会主任、督导员和系统管理员可以查看" in response.content.decode()


@pytest.mark.parametrize("name", ["access", "access-csv"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(f"supervision:{name}"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_nav_links_the_page_for_those_who_may_open_it(client, director, clerk):
    link = reverse("supervision:access")
    assert link in _records(client, director, "dashboard").content.decode()
    assert link not in _records(client, clerk, "dashboard").content.decode()


def test_api_filters_and_errors(reads, director, supervisor, clerk, mediator, east_case, west_case):
    body = api(director).get(url("access-log"), {"case": east_case.pk}).json()
    assert [r["id"] for r in body["results"]] == [reads["east_page"]]
    [entry] = body["results"]
    assert entry["kind"] == "case_page" and entry["cases_count"] == 0
    assert entry["case"] == {"id": east_case.pk, "number": east_case.number}
    assert entry["user"]["username"] == "clerk" and entry["user"]["name"] == "赵登记"
    assert entry["ip"] == "127.0.0.1" and body["count"] == 1
    clerk_id = api(director).get(url("access-log"), {"user": clerk.pk})
    assert _ids(clerk_id) == {reads["east_page"], reads["east_export"]}
    exports = [r for r in clerk_id.json()["results"] if r["kind"] == "export"]
    assert exports[0]["case"] is None and exports[0]["cases_count"] == 1
    # A case outside the reach does not exist; other roles may not read the log.
    error(api(director).get(url("access-log"), {"case": west_case.pk}), 404, "not_found")
    error(api(supervisor).get(url("access-log"), {"case": west_case.pk}), 404, "not_found")
    error(api(supervisor).get(url("access-log"), {"case": 987654}), 404, "not_found")
    for user in (clerk, mediator):
        error(api(user).get(url("access-log")), 403, "permission_denied")
    error(api().get(url("access-log")), 401, "not_authenticated")
    for params in ({"case": "x"}, {"user": "0"}, {"from": ""}, {"to": "2026-02-30"}):
        error(api(director).get(url("access-log"), params), 400, "invalid")
    error(api(director).get(url("access-log"), {"case": "9" * 30}), 400, "invalid")


# --- append-only --------------------------------------------------------------------------
def test_records_cannot_be_changed_or_deleted(clerk, east_case):
    record = access_log.record(clerk, kind=Kind.CASE_PAGE, case=east_case, ip="10.0.0.1")
    assert record is not None
    record.detail = "改过"
    with pytest.raises(ValueError, match="不能修改"):
        record.save()
    with pytest.raises(ValueError, match="不能删除"):
        record.delete()
    with pytest.raises(ValueError, match="不能修改"):
        AccessRecord.objects.filter(pk=record.pk).update(detail="改过")
    with pytest.raises(ValueError, match="不能删除"):
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.get().detail == ""


def test_the_admin_cannot_add_change_or_delete(client, admin_user, clerk, east_case):
    record = access_log.record(clerk, kind=Kind.CASE_PAGE, case=east_case)
    assert record is not None
    client.force_login(admin_user)  # a superuser
    listing = client.get(reverse("admin:supervision_accessrecord_changelist"))
    assert listing.status_code == 200 and east_case.number in listing.content.decode()
    assert client.get(reverse("admin:supervision_accessrecord_add")).status_code == 403
    assert client.post(reverse("admin:supervision_accessrecord_add"), {}).status_code == 403
    change = reverse("admin:supervision_accessrecord_change", args=[record.pk])
    assert client.post(change, {"detail": "改过"}).status_code == 403
    delete = reverse("admin:supervision_accessrecord_delete", args=[record.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:supervision_accessrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AccessRecord.objects.get().detail == ""


def test_a_bad_ip_is_not_stored(clerk, east_case):
    record = access_log.record(clerk, kind=Kind.CASE_PAGE, case=east_case, ip="unix:socket")
    assert record is not None and record.ip is None
