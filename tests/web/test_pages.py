"""Every web page: right role 200, wrong role 403, outsider 404, bad input shows a message;
and the whole SPEC §4 path through the pages, checked against the case, its events, its
documents and its viewflow tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.models import Case
from documents.models import Document
from tests.factories import id_number
from workflows import flows
from workflows.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _party_post(prefix: str, n: int, role: str, name: str) -> dict:
    return {
        f"{prefix}-{n}-role": role,
        f"{prefix}-{n}-kind": "person",
        f"{prefix}-{n}-name": name,
        f"{prefix}-{n}-gender": "male",
        f"{prefix}-{n}-id_number": id_number(n + 1),
        f"{prefix}-{n}-phone": f"1390000{n:04d}",
        f"{prefix}-{n}-address": f"东村{n}组",
    }


def _register_post(world, **overrides) -> dict:
    data = {
        "organization": world["east"].pk,
        "region": world["east_village"].pk,
        "dispute_type": world["neighbour"].pk,
        "source": "application",
        "application_kind": "written",
        "summary": "两家因宅基地界址发生争执",
        "requests": "确认界址",
        "amount_involved": "8000",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "30",
        **_party_post("parties", 0, "applicant", "王大明"),
        **_party_post("parties", 1, "respondent", "李小红"),
    }
    return data | overrides


def _act(client, case, name, data=None):
    case.refresh_from_db()
    return client.post(
        reverse("cases:act", args=[case.pk, name]), {"version": case.version, **(data or {})}
    )


class TestAccess:
    def test_outsider_gets_404_everywhere(self, as_user, register, outsider):
        case = register()
        doc = Document.objects.get(case=case, code="APP")
        task = flows.open_task(case)
        c = as_user(outsider)
        for url in [
            reverse("cases:detail", args=[case.pk]),
            reverse("cases:act", args=[case.pk, "accept"]),
            reverse("cases:document-pdf", args=[doc.pk]),
            reverse("workflows:task", args=[task.pk]),
        ]:
            assert c.get(url).status_code == 404, url
        assert c.post(reverse("cases:document-retry", args=[doc.pk])).status_code == 404
        assert case.number not in c.get(reverse("cases:list")).content.decode()

    def test_wrong_role_gets_403_with_a_message(self, as_user, register, mediator, supervisor):
        case = register()
        r = as_user(mediator).get(reverse("cases:act", args=[case.pk, "accept"]))
        assert r.status_code == 403
        assert "受理并指派调解员" in r.content.decode()
        task = flows.open_task(case)
        assert as_user(mediator).get(reverse("workflows:task", args=[task.pk])).status_code == 403
        assert as_user(supervisor).get(reverse("cases:register")).status_code == 403
        doc = Document.objects.get(case=case, code="APP")
        assert (
            as_user(supervisor).get(reverse("cases:document-pdf", args=[doc.pk])).status_code == 403
        )

    def test_right_roles_see_the_pages(self, as_user, register, clerk, supervisor, mediator):
        case = register()
        for user in (clerk, supervisor):
            c = as_user(user)
            for url in [
                reverse("home"),
                reverse("cases:list"),
                reverse("cases:detail", args=[case.pk]),
                reverse("workflows:tasks"),
                reverse("workflows:notifications"),
            ]:
                assert c.get(url).status_code == 200, (user, url)
        assert as_user(clerk).get(reverse("cases:register")).status_code == 200
        assert as_user(clerk).get(reverse("cases:act", args=[case.pk, "accept"])).status_code == 200

    def test_anonymous_is_sent_to_login(self, client, register):
        case = register()
        r = client.get(reverse("cases:detail", args=[case.pk]))
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]

    def test_supervisor_sees_masked_personal_data(self, as_user, register, supervisor, clerk):
        case = register()
        party = case.parties.first()
        masked = as_user(supervisor).get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert party.id_number not in masked and party.phone not in masked
        assert party.id_number[-4:] in masked
        full = as_user(clerk).get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert party.id_number in full and party.phone in full


class TestForms:
    def test_register_bad_input_shows_messages_and_keeps_nothing(self, as_user, clerk, world):
        before = Case.objects.count()
        data = _register_post(world, summary="", **{"parties-0-role": "respondent"})
        data["parties-1-id_number"] = "110101199001011234"  # bad check digit
        r = as_user(clerk).post(reverse("cases:register"), data)
        assert r.status_code == 200
        body = r.content.decode()
        assert "请填写纠纷简要情况。" in body and "该字段是必填项" not in body
        assert Case.objects.count() == before

    def test_register_without_applicant_is_refused(self, as_user, clerk, world):
        data = _register_post(world, **{"parties-0-role": "respondent"})
        r = as_user(clerk).post(reverse("cases:register"), data)
        assert "至少需要一名申请人" in r.content.decode()

    def test_register_bad_id_number_is_a_field_message(self, as_user, clerk, world):
        data = _register_post(world, **{"parties-1-id_number": "110101199001011235"})
        r = as_user(clerk).post(reverse("cases:register"), data)
        assert r.status_code == 200
        assert Case.objects.count() == 0
        assert "身份证" in r.content.decode()

    def test_guard_failure_is_a_form_error(self, as_user, register, clerk):
        case = register()
        r = _act(as_user(clerk), case, "accept", {"mediators": []})
        assert r.status_code == 200 and "errorlist" in r.content.decode()
        case.refresh_from_db()
        assert case.status == "intake"

    def test_stale_version_says_reload(self, as_user, register, clerk, mediator):
        case = register()
        stale = case.version
        _act(as_user(clerk), case, "decline", {"reason": "不属于受理范围"})
        r = as_user(clerk).post(
            reverse("cases:act", args=[case.pk, "decline"]), {"version": stale, "reason": "x"}
        )
        assert r.status_code in (200, 403)

    def test_conflict_message_on_concurrent_change(self, as_user, register, clerk, mediator):
        case = register()
        stale = case.version
        from workflows import services

        services.case_reassess_risk(case, actor=clerk, factors=["petition_history"])
        r = as_user(clerk).post(
            reverse("cases:act", args=[case.pk, "accept"]),
            {"version": stale, "mediators": [mediator.pk]},
        )
        assert r.status_code == 200
        assert "案件已被他人修改" in r.content.decode()
        case.refresh_from_db()
        assert case.status == "intake"

    def test_agreement_without_signatures_explains_what_is_missing(
        self, as_user, register, walk, mediator
    ):
        case = walk(register(), "mediation")
        from workflows import services

        services.record_add(
            case,
            "session",
            actor=mediator,
            held_at=timezone.now(),
            place="调解室",
            attendees="双方",
            content="陈述",
        )
        r = _act(
            as_user(mediator),
            case,
            "record_agreement",
            {
                "kind": "written",
                "terms": "一方赔偿二千元\n\n",
                "performance_method": "现金",
                "performance_deadline": "2030-01-01",
            },
        )
        assert r.status_code == 200
        assert "尚不能办理" in r.content.decode()

    def test_bad_as_of_date_is_a_message(self, as_user, register, clerk):
        case = register()
        r = as_user(clerk).get(reverse("cases:detail", args=[case.pk]) + "?as_of=2026-13-45")
        assert r.status_code == 200 and "日期格式" in r.content.decode()

    def test_unknown_action_is_404(self, as_user, register, clerk):
        case = register()
        assert as_user(clerk).get(f"/cases/{case.pk}/act/nope/").status_code == 404


class TestSearchAndFilters:
    def test_search_by_number_name_and_phone(self, as_user, register, clerk, supervisor):
        a = register()
        b = register(
            summary="另一宗",
            parties=[
                {"role": "applicant", "kind": "person", "name": "赵铁柱", "phone": "13811112222"}
            ],
        )
        c = as_user(clerk)
        body = c.get(reverse("cases:list"), {"q": "赵铁柱"}).content.decode()
        assert b.number in body and a.number not in body
        body = c.get(reverse("cases:list"), {"q": "13811112222"}).content.decode()
        assert b.number in body and a.number not in body
        # a supervisor cannot confirm a masked phone number by searching for it
        body = as_user(supervisor).get(reverse("cases:list"), {"q": "13811112222"}).content.decode()
        assert b.number not in body

    def test_filters_and_bad_filter(self, as_user, register, walk, clerk):
        a = register()
        b = walk(register(), "investigation")
        c = as_user(clerk)
        body = c.get(reverse("cases:list"), {"status": "investigation"}).content.decode()
        assert b.number in body and a.number not in body
        r = c.get(reverse("cases:list"), {"status": "nonsense"})
        assert r.status_code == 200 and "errorlist" in r.content.decode()

    def test_pagination(self, as_user, register, clerk):
        for _ in range(21):
            register()
        c = as_user(clerk)
        assert "第 1 / 2 页" in c.get(reverse("cases:list")).content.decode()
        assert c.get(reverse("cases:list"), {"page": "2"}).status_code == 200
        assert c.get(reverse("cases:list"), {"page": "x"}).status_code == 200


class TestWholePath:
    def test_clerk_mediator_director_walk_a_case_through_the_pages(
        self,
        client,
        world,
        clerk,
        mediator,
        director,
        django_capture_on_commit_callbacks,
    ):
        def as_(user):
            client.force_login(user)
            return client

        with django_capture_on_commit_callbacks(execute=True):
            r = as_(clerk).post(reverse("cases:register"), _register_post(world))
        assert r.status_code == 302
        case = Case.objects.get()
        assert case.status == "intake"
        tasks = as_(clerk).get(reverse("workflows:tasks")).content.decode()
        assert case.number in tasks and "受理审查" in tasks

        with django_capture_on_commit_callbacks(execute=True):
            r = _act(as_(clerk), case, "accept", {"mediators": [mediator.pk]})
        assert r.status_code == 302, r.content.decode()
        assert case.number in as_(mediator).get(reverse("workflows:tasks")).content.decode()
        assert Notification.objects.filter(user=mediator, kind="task_assigned").exists()

        with django_capture_on_commit_callbacks(execute=True):
            r = _act(
                as_(mediator),
                case,
                "investigation_add",
                {
                    "conducted_at": "2026-11-20T09:30",
                    "place": "村委会",
                    "interviewee": "王大明",
                    "content": "实地查看界址",
                },
            )
            assert r.status_code == 302
            assert _act(client, case, "start_mediation").status_code == 302
            assert (
                _act(
                    client,
                    case,
                    "session_add",
                    {
                        "held_at": "2026-11-21T10:00",
                        "place": "调解室",
                        "attendees": "王大明、李小红",
                        "content": "双方陈述",
                        "result": "达成一致",
                    },
                ).status_code
                == 302
            )
            r = _act(
                client,
                case,
                "record_agreement",
                {
                    "kind": "written",
                    "terms": "李小红于十日内拆除越界围墙\n王大明放弃其他请求",
                    "performance_method": "自行履行",
                    "performance_deadline": (
                        timezone.localdate() + dt.timedelta(days=10)
                    ).isoformat(),
                    "amount": "0",
                    "signatures_complete": "on",
                },
            )
            assert r.status_code == 302, r.content.decode()
        case.refresh_from_db()
        assert case.status == "closure"
        assert case.current_agreement.terms == ["李小红于十日内拆除越界围墙", "王大明放弃其他请求"]

        with django_capture_on_commit_callbacks(execute=True):
            r = _act(
                as_(director), case, "approve_closure", {"summary_of_work": "经两次调解达成协议"}
            )
        assert r.status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            r = _act(
                as_(mediator),
                case,
                "follow_up_add",
                {
                    "visited_at": "2026-11-26T15:00",
                    "method": "visit",
                    "visitee": "王大明",
                    "performance": "performed",
                    "satisfaction": "satisfied",
                },
            )
        assert r.status_code == 302
        assert case.number in as_(clerk).get(reverse("workflows:tasks")).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            r = _act(as_(clerk), case, "archive")
        assert r.status_code == 302, r.content.decode()
        case.refresh_from_db()
        assert case.status == "archived"

        codes = set(
            Document.objects.filter(case=case, status="issued").values_list("code", flat=True)
        )
        assert {"APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV", "DOS"} <= codes
        page = as_(clerk).get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "齐全" in page
        dossier = Document.objects.get(case=case, code="DOS")
        pdf = as_(clerk).get(reverse("cases:document-pdf", args=[dossier.pk]))
        assert pdf.status_code == 200
        import hashlib

        assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == dossier.sha256

        # the flow followed: one task per stage, each done, none open, check finds nothing
        done = [
            t.flow_task.name
            for t in Task.objects.filter(process__mediationprocess__case=case)
            .exclude(flow_task_type__in=["START", "END"])
            .exclude(flow_task=flows.MediationFlow.route)
            .order_by("created", "pk")
        ]
        assert done == [
            "intake",
            "investigate",
            "mediate",
            "approve_closure",
            "follow_up",
            "archive",
        ]
        assert flows.open_task(case) is None
        assert flows.check(Case.objects.filter(pk=case.pk)) == []
        assert [e.name for e in case.events.order_by("at", "pk")][:3] == [
            "register",
            "accept",
            "investigation_add",
        ]


class TestDocumentsOnThePage:
    def test_failed_document_shows_and_retry_issues_it(
        self, as_user, register, clerk, monkeypatch, django_capture_on_commit_callbacks
    ):
        from documents import renderer

        good = renderer.render_document

        def broken(code, context):
            raise RuntimeError("字体缺失")

        monkeypatch.setattr(renderer, "render_document", broken)
        with django_capture_on_commit_callbacks(execute=True):
            case = register()
        doc = Document.objects.get(case=case, code="APP")
        assert doc.status == "failed"
        page = as_user(clerk).get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "重试生成" in page and "字体缺失" in page
        monkeypatch.setattr(renderer, "render_document", good)
        with django_capture_on_commit_callbacks(execute=True):
            r = as_user(clerk).post(reverse("cases:document-retry", args=[doc.pk]))
        assert r.status_code == 302
        doc.refresh_from_db()
        assert doc.status == "issued"


class TestNotifications:
    def test_unread_count_and_mark_read(self, as_user, register, clerk, mediator):
        case = register()
        from workflows import services

        services.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
        c = as_user(mediator)
        home = c.get(reverse("home")).content.decode()
        assert 'id="unread-badge">1<' in home
        assert case.number in c.get(reverse("workflows:notifications")).content.decode()
        c.post(reverse("workflows:notifications-read"))
        assert 'id="unread-badge"' not in c.get(reverse("home")).content.decode()

    def test_grouped_per_case_newest_first(self, as_user, register, mediator):
        import datetime as dt

        from django.utils import timezone

        from workflows.models import Notification

        one, two = register(), register()
        Notification.objects.filter(user=mediator).delete()
        now = timezone.now()
        for minutes, case, kind in [
            (30, one, "task_assigned"),
            (20, one, "due_soon"),
            (10, two, "overdue"),
            (5, None, "bulk_export"),
        ]:
            Notification.objects.create(
                user=mediator,
                case=case,
                kind=kind,
                message=f"{kind}-message",
                created_at=now - dt.timedelta(minutes=minutes),
            )
        html = as_user(mediator).get(reverse("workflows:notifications")).content.decode()
        items = html.split('id="notifications"')[1]
        # three groups: the case-less notice, then two (newest), then one with its older notice
        order = [items.index(m) for m in ("bulk_export-message", two.number, one.number)]
        assert order == sorted(order)
        assert items.count(one.number) == 1  # one entry per case
        assert "2 条未读" in items and "更早的 1 条" in items
        assert items.index("due_soon-message") < items.index("task_assigned-message")


class TestEnglish:
    def test_switch_to_english(self, as_user, clerk):
        c = as_user(clerk)
        c.post(reverse("set_language"), {"language": "en", "next": "/"})
        body = c.get(reverse("cases:list")).content.decode()
        assert "Cases" in body and "Search" in body


class TestEveryActionPage:
    """Each action form opens for a role that may take it, in the state it belongs to."""

    @pytest.mark.parametrize(
        "stage,user,names",
        [
            ("intake", "clerk", ["accept", "decline", "withdraw", "escalate", "party_add"]),
            (
                "investigation",
                "mediator",
                ["investigation_add", "start_mediation", "extend_deadline"],
            ),
            ("investigation", "director", ["reassign", "reassess_risk"]),
            ("mediation", "mediator", ["session_add", "record_agreement", "record_failure"]),
            ("closure", "director", ["approve_closure", "judicial_confirmation"]),
            ("follow_up", "mediator", ["follow_up_add"]),
        ],
    )
    def test_action_pages_open(self, as_user, register, walk, stage, user, names, world):
        from django.contrib.auth import get_user_model

        case = register()
        if stage != "intake":
            walk(case, stage)
        c = as_user(get_user_model().objects.get(username=user))
        page = c.get(reverse("cases:detail", args=[case.pk])).content.decode()
        for name in names:
            assert f'data-action="{name}"' in page, name
            assert c.get(reverse("cases:act", args=[case.pk, name])).status_code == 200, name

    def test_supervisor_issues_a_supervision_notice(
        self, as_user, register, supervisor, django_capture_on_commit_callbacks
    ):
        case = register()
        c = as_user(supervisor)
        assert (
            'data-action="supervise"'
            in c.get(reverse("cases:detail", args=[case.pk])).content.decode()
        )
        r = _act(c, case, "supervise", {"content": ""})
        assert "请填写督办事项。" in r.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            r = _act(c, case, "supervise", {"content": "请于五日内反馈办理进度"})
        assert r.status_code == 302
        assert Document.objects.filter(case=case, code="SUP", status="issued").exists()

    def test_extension_without_consent_is_refused(self, as_user, register, walk, mediator):
        case = walk(register(), "investigation")
        r = _act(as_user(mediator), case, "extend_deadline", {"days": "10"})
        assert r.status_code == 200 and "尚不能办理" in r.content.decode()
        r = _act(as_user(mediator), case, "extend_deadline", {"days": "99", "consent": "on"})
        assert "errorlist" in r.content.decode()


class TestStaleForms:
    def test_form_submitted_after_someone_else_acted_explains(
        self, as_user, register, clerk, director, mediator
    ):
        case = register()
        stale = case.version
        from workflows import services

        services.case_transition(case, "accept", actor=director, mediators=[mediator.pk])
        r = as_user(clerk).post(
            reverse("cases:act", args=[case.pk, "accept"]),
            {"version": stale, "mediators": [mediator.pk]},
        )
        assert r.status_code == 200
        assert "案件已被他人修改" in r.content.decode()

    def test_wrong_role_post_is_403(self, as_user, register, mediator):
        case = register()
        r = as_user(mediator).post(
            reverse("cases:act", args=[case.pk, "decline"]),
            {"version": case.version, "reason": "x"},
        )
        assert r.status_code == 403
        case.refresh_from_db()
        assert case.status == "intake"

    def test_report_risk_only_offered_for_unreported_critical_cases(self, as_user, register, clerk):
        low = register()
        critical = register(risk_factors=["violence_threat", "self_harm_threat"])
        c = as_user(clerk)
        assert (
            'data-action="report_risk"'
            not in c.get(reverse("cases:detail", args=[low.pk])).content.decode()
        )
        assert (
            'data-action="report_risk"'
            in c.get(reverse("cases:detail", args=[critical.pk])).content.decode()
        )


def test_case_page_explains_the_risk(client, register, clerk):
    case = register(risk_factors=["violence_threat"], amount_involved="150000")
    client.force_login(clerk)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "有暴力威胁（民转刑风险）" in page and "涉及金额10万元以上" in page
    assert f'data-risk="{case.risk_level}"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Threats of violence" in page


def test_task_list_orders_by_deadline_with_constant_queries(client, register, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    first = register()
    client.get(reverse("workflows:tasks"))  # fills the shared caches (session, settings, 2FA)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workflows:tasks"))
    cases = [register() for _ in range(5)]
    Case.objects.filter(pk=cases[-1].pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=2)
    )
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("workflows:tasks")).content.decode()
    assert len(many) == len(few)
    assert body.index(cases[-1].number) < body.index(first.number)
    assert 'data-deadline="overdue"' in body
