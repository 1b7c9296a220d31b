"""The import page (check, then confirm) and the .xlsx export of the visible cases."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Case
from registers.exporting import HEADERS
from tests.factories import party
from tests.registers.test_importing import BAD, as_csv, as_xlsx, row


def _login(client, user):
    client.force_login(user)
    return client


def _upload(client, org, data: bytes, name="register.csv"):
    return client.post(
        reverse("cases:import", args=[org.pk]),
        {"step": "check", "file": SimpleUploadedFile(name, data)},
    )


# --- import page --------------------------------------------------------------------------
def test_check_lists_bad_rows_and_imports_nothing(client, clerk, world):
    _login(client, clerk)
    response = _upload(client, world["east"], as_csv([row(1), row(2) | BAD[7], row(3)]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="row-errors"' in page and '<td data-label="行号">3</td>' in page
    assert "校验" in page  # the reason, in Chinese
    assert 'id="confirm-form"' not in page
    assert not Case.objects.exists()


def test_check_then_confirm_imports_the_file(client, clerk, world):
    _login(client, clerk)
    response = _upload(client, world["east"], as_xlsx([row(1), row(2, "不予受理")]), "r.xlsx")
    assert 'id="confirm-form"' in response.content.decode()
    assert not Case.objects.exists()  # the check is a dry run
    confirm = client.post(reverse("cases:import", args=[world["east"].pk]), {"step": "confirm"})
    assert confirm.status_code == 302
    assert Case.objects.count() == 2
    assert "已导入 2 件" in client.get(confirm["Location"]).content.decode()
    # The kept file is used once.
    again = client.post(reverse("cases:import", args=[world["east"].pk]), {"step": "confirm"})
    assert again.status_code == 302 and Case.objects.count() == 2


def test_header_problems_are_shown(client, clerk, world):
    _login(client, clerk)
    response = _upload(client, world["east"], "纠纷类型,备注栏\n邻里,x\n".encode())
    page = response.content.decode()
    assert 'id="file-errors"' in page and "缺少必填列" in page and "备注栏" in page


def test_wrong_file_type_is_a_form_error(client, clerk, world):
    _login(client, clerk)
    response = _upload(client, world["east"], b"x", "register.pdf")
    assert response.status_code == 200
    assert "只能导入 .xlsx 或 .csv 文件" in response.content.decode()


def test_page_row_limit(client, clerk, world, monkeypatch):
    from web.views import registers as views_io

    monkeypatch.setattr(views_io, "PAGE_MAX_ROWS", 1)
    _login(client, clerk)
    response = _upload(client, world["east"], as_csv([row(1), row(2)]))
    assert "import_cases 命令" in response.content.decode()
    assert not Case.objects.exists()


def test_outsider_gets_404(client, outsider, world):
    _login(client, outsider)  # clerk of 西村调委
    assert client.get(reverse("cases:import", args=[world["east"].pk])).status_code == 404
    response = _upload(client, world["east"], as_csv([row(1)]))
    assert response.status_code == 404 and not Case.objects.exists()


@pytest.mark.parametrize("who", ["mediator", "supervisor"])
def test_wrong_role_gets_403(client, world, who, request):
    _login(client, request.getfixturevalue(who))
    assert client.get(reverse("cases:import", args=[world["east"].pk])).status_code == 403
    assert client.get(reverse("cases:import-start")).status_code == 403


def test_login_required(client, world):
    response = client.get(reverse("cases:import", args=[world["east"].pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_start_goes_to_the_users_committee(client, clerk, world):
    _login(client, clerk)
    response = client.get(reverse("cases:import-start"))
    assert response["Location"] == reverse("cases:import", args=[world["east"].pk])


def test_template_download(client, clerk):
    _login(client, clerk)
    response = client.get(reverse("cases:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["案件登记", "填写说明"]


# --- export -------------------------------------------------------------------------------
def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["案件"].iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def some_cases(world, register, walk, outsider):
    east = [register(), register()]
    walk(east[1], "investigation")
    west = register(
        actor=outsider,
        organization=world["west"],
        region=world["west_village"],
        parties=[party("applicant", 7), party("respondent", 8)],
    )
    return east, west


def test_export_lists_the_visible_cases_only(client, clerk, some_cases):
    east, west = some_cases
    headers, rows = _sheet(_login(client, clerk).get(reverse("cases:export")))
    assert list(headers) == HEADERS
    assert {r["案号"] for r in rows} == {c.number for c in east}
    assert west.number not in {r["案号"] for r in rows}
    first = next(r for r in rows if r["案号"] == east[0].number)
    assert first["申请人"] == "当事人app1"
    assert first["申请人电话"] == "13700000001"  # the committee sees personal data in full
    assert first["状态"] == "受理" and first["调委会"] == "东村人民调解委员会"


def test_export_masks_personal_data_for_supervisors(client, supervisor, some_cases):
    east, west = some_cases
    _, rows = _sheet(_login(client, supervisor).get(reverse("cases:export")))
    assert {r["案号"] for r in rows} == {c.number for c in east}  # 白水县 is not theirs
    for r in rows:
        assert r["申请人电话"] == "*******0001"
        assert r["申请人证件号码"].startswith("**************")
        assert r["被申请人电话"].endswith("0002") and r["被申请人电话"].startswith("*")


def test_export_applies_the_list_filters(client, clerk, some_cases):
    east, _ = some_cases
    _, rows = _sheet(
        _login(client, clerk).get(reverse("cases:export"), {"status": "investigation"})
    )
    assert [r["案号"] for r in rows] == [east[1].number]


def test_export_bad_filter_is_400_in_chinese(client, clerk, world):
    response = _login(client, clerk).get(reverse("cases:export"), {"status": "nonsense"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()


def test_export_outsider_sees_only_their_own(client, outsider, some_cases):
    east, west = some_cases
    _, rows = _sheet(_login(client, outsider).get(reverse("cases:export")))
    assert [r["案号"] for r in rows] == [west.number]


def test_export_login_required(client, world):
    assert client.get(reverse("cases:export")).status_code == 302
