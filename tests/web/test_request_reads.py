"""What a page reads once (SPEC §16 "Load"): the deadline settings and "has a second-factor
device" come from the shared cache and are forgotten on a change; the case page reads each kind
of record once; the task list asks for the assigned role only of those who can hold it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from cases.models import DeadlineSettings
from workflows import flows

pytestmark = pytest.mark.django_db


def _reads(captured: CaptureQueriesContext, table: str) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in captured.captured_queries)


def test_deadline_settings_are_cached_and_a_save_or_delete_is_seen_at_once():
    DeadlineSettings.objects.all().delete()
    conf = DeadlineSettings.objects.create(intake_days=7)
    assert DeadlineSettings.current().intake_days == 7
    with CaptureQueriesContext(connection) as again:
        assert DeadlineSettings.current().intake_days == 7
    assert _reads(again, "cases_deadlinesettings") == 0
    conf.intake_days = 9
    conf.save()
    assert DeadlineSettings.current().intake_days == 9
    conf.delete()
    assert DeadlineSettings.current().pk is None  # the defaults, unsaved


def test_has_device_is_cached_and_follows_a_device_set_up_and_removed(mediator):
    assert two_factor.has_device(mediator) is False
    with CaptureQueriesContext(connection) as again:
        assert two_factor.has_device(mediator) is False
    assert _reads(again, "otp_totp_totpdevice") == 0
    device = TOTPDevice.objects.create(user=mediator, name="手机", confirmed=False)
    assert two_factor.has_device(mediator) is False  # not confirmed yet
    device.confirmed = True
    device.save()
    assert two_factor.has_device(mediator) is True
    device.delete()
    assert two_factor.has_device(mediator) is False


def test_a_device_confirmed_elsewhere_sends_an_open_session_to_the_code_page(client, mediator):
    client.force_login(mediator)
    assert client.get(reverse("home")).status_code == 200  # no device: cached as such
    TOTPDevice.objects.create(user=mediator, name="手机", confirmed=True)
    answer = client.get(reverse("home"))
    assert answer.status_code == 302
    assert reverse("two_factor_verify") in answer["Location"]


def test_the_case_page_reads_each_kind_of_record_once(client, clerk, register, walk):
    case = walk(register(), "mediation")
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    tables = Counter(
        m.group(1)
        for q in page.captured_queries
        for m in [re.search(r'FROM "(cases_\w+)"', q["sql"])]
        if m
    )
    for table in (
        "cases_investigationrecord",
        "cases_mediationsession",
        "cases_deadlineextension",
        "cases_followupvisit",
        "cases_supervisionnotice",
        "cases_agreement",
    ):
        assert tables[table] == 1, (table, tables[table])
    assert _reads(page, "documents_document") == 1  # the dossier check uses the page's list


def test_only_a_mediator_or_director_is_offered_a_case_as_its_assigned_mediator(
    clerk, mediator, register, walk
):
    case = walk(register(), "investigation")
    case.mediators.add(clerk)  # a clerk named among the mediators does not act as one
    assert case.pk in _task_cases(mediator)
    assert case.pk not in _task_cases(clerk)


def _task_cases(user) -> set[int]:
    return {t.process.mediationprocess.case_id for t in flows.tasks_for(user)}


def test_the_home_page_reads_the_case_tallies_once(client, director, register, walk):
    """待受理, 待结案审批, 高/重大风险 and the total are all counted from one read of the case
    tallies (workflows.selectors.tally_table), and still match the case list they open."""
    walk(register(), "mediation")
    register()
    client.force_login(director)
    with CaptureQueriesContext(connection) as page:
        answer = client.get(reverse("home"))
    assert answer.status_code == 200
    assert _reads(page, "rollups_casetally") == 1
    numbers = {c["key"]: c["n"] for c in answer.context["cards"]}
    assert numbers["intake"] == 1 and numbers["total"] == 2 and numbers["awaiting_approval"] == 0
