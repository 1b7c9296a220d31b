import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_chinese_by_default_even_for_an_english_browser(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body and "工作台" in body


def test_english_when_chosen(client, clerk):
    client.force_login(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body


def test_records_stay_chinese_when_the_user_reads_english(
    client, clerk, mediator, register, django_capture_on_commit_callbacks
):
    from documents.models import Document
    from workflows.models import Notification

    case = register(source="police_referral")
    client.force_login(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Police referral" in page or "police" in page.lower()  # the UI reads English
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("cases:act", args=[case.pk, "accept"]),
            {"version": case.version, "mediators": [mediator.pk]},
        )
    assert r.status_code == 302
    reg = Document.objects.get(case=case, code="REG")
    assert reg.context["case"]["source"] == "公安移送"
    assert reg.context["case"]["status_label"] == "调查"
    note = Notification.objects.get(user=mediator, kind="task_assigned")
    assert "调解员" in note.message
