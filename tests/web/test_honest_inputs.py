"""The pages' side of "input that means what it says" and "fewer keystrokes": amounts as
people write them, no future date for what happened, findings never preselected, terms not
numbered by hand, a registration sent twice asks first, and the values a form can know."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import ETHNIC_GROUPS
from cases.models import Case
from tests.factories import id_number
from tests.web.test_pages import _act, _register_post
from workflows import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _register(client, world, **overrides):
    return client.post(reverse("cases:register"), _register_post(world, **overrides))


def _errors(response) -> str:
    return response.content.decode()


# --- amounts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("8000", "8000"),
        ("8,000", "8000"),
        ("8000元", "8000"),
        ("1.2万", "12000"),
        ("1.2万元", "12000"),
    ],
)
def test_register_reads_the_amount_as_written(as_user, clerk, world, typed, saved):
    r = _register(as_user(clerk), world, amount_involved=typed)
    assert r.status_code == 302, _errors(r)
    assert Case.objects.get().amount_involved == Decimal(saved)


def test_register_refuses_an_unreadable_amount_naming_the_field(as_user, clerk, world):
    r = _register(as_user(clerk), world, amount_involved="八千多")
    assert r.status_code == 200
    assert "涉及金额无法识别：请填写数字，如 1200 或 1.2万" in _errors(r)
    assert not Case.objects.exists()


def _agreement_post(**overrides):
    return {
        "kind": "written",
        "terms": "一、李小红于十日内拆除越界围墙\n2. 王大明放弃其他请求\n（三）1.2万元由李小红支付",
        "performance_method": "自行履行",
        "performance_deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "amount": "1.2万",
        "signatures_complete": "on",
        **overrides,
    }


def test_agreement_page_amount_and_terms(as_user, register, walk, mediator):
    case = walk(register(), "session_held")
    r = _act(as_user(mediator), case, "record_agreement", _agreement_post())
    assert r.status_code == 302, _errors(r)
    agreement = case.current_agreement
    assert agreement.amount == Decimal("12000.00")  # never 1.20
    assert agreement.terms == [
        "李小红于十日内拆除越界围墙",
        "王大明放弃其他请求",
        "1.2万元由李小红支付",
    ]


def test_agreement_page_refuses_an_unreadable_amount(as_user, register, walk, mediator):
    case = walk(register(), "session_held")
    r = _act(as_user(mediator), case, "record_agreement", _agreement_post(amount="一万多"))
    assert r.status_code == 200
    assert "协议金额无法识别：请填写数字，如 1200 或 1.2万" in _errors(r)
    case.refresh_from_db()
    assert case.current_agreement is None


def test_agreement_help_no_longer_asks_to_number(as_user, register, walk, mediator):
    case = walk(register(), "session_held")
    page = as_user(mediator).get(reverse("cases:act", args=[case.pk, "record_agreement"]))
    text = page.content.decode()
    assert "无需编号" in text and "按顺序编号" not in text


# --- nothing that happened is in the future -----------------------------------------------
def test_register_refuses_a_future_dispute_date(as_user, clerk, world):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = _register(as_user(clerk), world, occurred_on=tomorrow)
    assert r.status_code == 200 and "纠纷发生日期不能晚于今天。" in _errors(r)
    assert not Case.objects.exists()


def test_register_refuses_a_future_birth_date(as_user, clerk, world):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = _register(as_user(clerk), world, **{"parties-0-birth_date": tomorrow})
    assert r.status_code == 200 and "出生日期不能晚于今天。" in _errors(r)
    assert not Case.objects.exists()


def test_follow_up_page_refuses_a_future_visit(as_user, register, walk, mediator):
    case = walk(register(), "follow_up")
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = _act(
        as_user(mediator),
        case,
        "follow_up_add",
        {
            "visited_at": later,
            "method": "phone",
            "visitee": "王大明",
            "performance": "performed",
            "satisfaction": "satisfied",
        },
    )
    assert r.status_code == 200 and "回访时间不能晚于现在。" in _errors(r)
    assert not case.followupvisits.exists()


def test_investigation_page_refuses_a_future_time(as_user, register, walk, mediator):
    case = walk(register(), "investigation")
    later = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = _act(
        as_user(mediator),
        case,
        "investigation_add",
        {"conducted_at": later, "place": "村委会", "interviewee": "王大明", "content": "了解"},
    )
    assert r.status_code == 200 and "调查时间不能晚于现在。" in _errors(r)


# --- findings are chosen, not preselected -------------------------------------------------
def _select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, name
    return match.group(0)


def test_follow_up_findings_start_empty_and_are_required(as_user, register, walk, mediator):
    case = walk(register(), "follow_up")
    html = as_user(mediator).get(reverse("cases:act", args=[case.pk, "follow_up_add"]))
    html = html.content.decode()
    for name in ("performance", "satisfaction"):
        select = _select(html, name)
        assert "required" in select
        assert re.search(r'<option value="" selected>请选择</option>', select), select
        assert "selected" not in select.replace('<option value="" selected>', "")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    r = _act(
        as_user(mediator),
        case,
        "follow_up_add",
        {"visited_at": now, "method": "phone", "visitee": "王大明"},
    )
    assert r.status_code == 200
    assert not case.followupvisits.exists()
    form = r.context["form"]
    assert set(form.errors) >= {"performance", "satisfaction"}


# --- a registration sent twice ------------------------------------------------------------
def test_a_second_identical_registration_asks_first(as_user, clerk, world):
    client = as_user(clerk)
    assert _register(client, world).status_code == 302
    first = Case.objects.get()
    r = _register(client, world)
    assert r.status_code == 200
    html = r.content.decode()
    assert f"您在 1 分钟前刚登记过相同的案件（案号{first.number}），确认要再登记一件吗？" in html
    assert 'type="checkbox" name="confirm_duplicate"' in html
    assert Case.objects.count() == 1
    r = _register(client, world, confirm_duplicate="on")
    assert r.status_code == 302
    assert Case.objects.count() == 2


def test_the_checkbox_is_not_shown_before(as_user, clerk, world):
    html = as_user(clerk).get(reverse("cases:register")).content.decode()
    assert 'type="checkbox" name="confirm_duplicate"' not in html


def test_a_different_summary_registers_without_asking(as_user, clerk, world):
    client = as_user(clerk)
    assert _register(client, world).status_code == 302
    assert _register(client, world, summary="另一件纠纷").status_code == 302


# --- fewer keystrokes ---------------------------------------------------------------------
def test_birth_date_and_gender_come_from_the_id_number(as_user, clerk, world):
    number = id_number(4, dt.date(1988, 8, 8))  # 17th digit 4: a woman
    r = _register(
        as_user(clerk),
        world,
        **{"parties-0-gender": "", "parties-0-birth_date": "", "parties-0-id_number": number},
    )
    assert r.status_code == 302, _errors(r)
    applicant = Case.objects.get().parties.get(role="applicant")
    assert (applicant.birth_date, applicant.gender) == (dt.date(1988, 8, 8), "female")


def test_ethnicity_is_a_choice_of_the_56_groups(as_user, clerk, world):
    html = as_user(clerk).get(reverse("cases:register")).content.decode()
    select = _select(html, "parties-0-ethnicity")
    for group in ("汉族", "蒙古族", "维吾尔族", "基诺族"):
        assert f'<option value="{group}">{group}</option>' in select
    assert select.count("<option") == len(ETHNIC_GROUPS) + 1  # + the empty choice
    r = _register(as_user(clerk), world, **{"parties-0-ethnicity": "壮族"})
    assert r.status_code == 302
    assert Case.objects.get().parties.get(role="applicant").ethnicity == "壮族"


def test_an_unknown_ethnicity_is_refused(as_user, clerk, world):
    r = _register(as_user(clerk), world, **{"parties-0-ethnicity": "火星族"})
    assert r.status_code == 200 and not Case.objects.exists()


def test_record_times_start_at_now_and_the_recorder_is_the_user(as_user, register, walk, mediator):
    case = walk(register(), "investigation")
    r = as_user(mediator).get(reverse("cases:act", args=[case.pk, "investigation_add"]))
    form = r.context["form"]
    html = r.content.decode()
    now = timezone.localtime()
    shown = re.search(r'name="conducted_at" value="([^"]+)"', html).group(1)
    moment = timezone.make_aware(dt.datetime.strptime(shown, "%Y-%m-%dT%H:%M"))
    assert abs(moment - now) < dt.timedelta(minutes=2)
    from cases.models import display_name

    assert form["recorder"].value() == display_name(mediator)
    assert f'value="{display_name(mediator)}"' in html


def test_the_session_place_is_the_last_place_used(as_user, register, walk, mediator):
    case = walk(register(), "mediation")
    url = reverse("cases:act", args=[case.pk, "session_add"])
    # no session yet: where the case was investigated (tests/factories.py walk_to: 村委会)
    assert as_user(mediator).get(url).context["form"]["place"].value() == "村委会"
    for when, place in ((2, "村委会调解室"), (1, "镇司法所")):
        services.record_add(
            case,
            "session",
            actor=mediator,
            held_at=timezone.now() - dt.timedelta(days=when),
            place=place,
            attendees="双方",
            content="陈述",
        )
    r = as_user(mediator).get(url)
    assert r.context["form"]["place"].value() == "镇司法所"
    assert r.context["form"]["held_at"].value() is not None


def test_record_forms_offer_the_cases_people_as_chips(as_user, register, walk, mediator):
    case = walk(register(), "mediation")
    names = [p.name for p in case.parties.all()]
    html = as_user(mediator).get(reverse("cases:act", args=[case.pk, "session_add"])).content
    html = html.decode()
    for name in names:  # 参加人: the parties and the case's mediators, added one by one
        assert f'data-chip-for="id_attendees" data-chip-mode="many" data-value="{name}"' in html
    from cases.models import display_name

    assert f'data-value="{display_name(mediator)}"' in html
    case = walk(register(), "investigation")
    html = as_user(mediator).get(reverse("cases:act", args=[case.pk, "investigation_add"]))
    html = html.content.decode()
    party = case.parties.first().name
    assert f'data-chip-for="id_interviewee" data-chip-mode="one" data-value="{party}"' in html
    assert 'data-chip-for="id_content"' not in html  # only the people fields


def test_the_agreement_offers_the_usual_ways_of_performing_it(as_user, register, walk, mediator):
    case = walk(register(), "session_held")
    html = as_user(mediator).get(reverse("cases:act", args=[case.pk, "record_agreement"]))
    html = html.content.decode()
    assert (
        'data-chip-for="id_performance_method" data-chip-mode="one" data-value="当场履行"' in html
    )
    in_15 = timezone.localdate() + dt.timedelta(days=15)
    assert (
        f'data-chip-for="id_performance_deadline" data-chip-mode="one" '
        f'data-value="{in_15.isoformat()}">15日内（{in_15.month}月{in_15.day}日）</button>'
    ) in html
