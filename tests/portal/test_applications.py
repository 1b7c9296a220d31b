"""Online applications (网上申请, SPEC §14): routing, the checks, the abuse limits, register and
decline by the committee's clerks, the applicant told by SMS."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.choices import PartyRole
from cases.models import Region
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from portal import applications, services
from portal.models import Application
from tests.factories import id_number
from tests.portal.helpers import APPLICANT_PHONE, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def apply(world, outbox, django_capture_on_commit_callbacks):
    def make(**over):
        return submit(world, outbox, django_capture_on_commit_callbacks, **over)

    return make


def test_submitted_application_is_routed_to_the_village_committee(apply, world):
    a = apply()
    assert a.status == "pending" and a.organization == world["east"]
    assert a.reference.startswith("W") and len(a.reference) == 10
    assert a.phone == APPLICANT_PHONE and a.applicant["phone"] == APPLICANT_PHONE
    assert a.applicant["name"] == "王小芳" and a.applicant["id_type"] == "resident_id"
    assert a.respondent == {"name": "李大壮", "phone": "13800000022", "address": "东村3组"}
    assert a.intake_due == timezone.localdate(a.submitted_at) + dt.timedelta(days=3)
    assert a.ip == "10.0.0.1" and a.case is None


def test_a_village_without_committee_is_refused_plainly(apply, world):
    south = Region.objects.get(name="南村")
    with pytest.raises(InvalidInput) as refused:
        apply(region=south)
    assert "还没有人民调解委员会" in refused.value.message
    assert "region" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        apply(region=world["qingshan"])  # a county is not a village
    assert "村（社区）" in refused.value.message


def test_the_applicants_id_is_checked_like_every_partys(apply):
    good = id_number(7)
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")  # the check digit off
    bad = {"name": "王小芳", "id_type": "resident_id", "id_number": wrong}
    with pytest.raises(InvalidInput) as refused:
        apply(applicant=bad)
    assert "applicant.id_number" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        apply(applicant={"name": "王小芳", "id_type": "resident_id"})
    assert "请填写号码" in refused.value.message
    ok = apply(applicant={"name": "王老汉", "id_type": "none"})  # no card: the case goes on
    assert ok.applicant["id_type"] == "none"


def test_rights_notice_must_be_acknowledged_and_a_bad_code_refused(apply, outbox):
    with pytest.raises(InvalidInput) as refused:
        apply(rights_acknowledged=False)
    assert "权利义务告知" in refused.value.message
    with pytest.raises(services.CodeRejected):
        apply(sms_code="000000" if outbox.codes() != ["000000"] else "111111")
    assert not Application.objects.exists()


def test_a_typing_error_does_not_use_up_the_code(world, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.code_request(phone=APPLICANT_PHONE, purpose="apply")
    code = outbox.codes(APPLICANT_PHONE)[-1]
    body = {
        "phone": APPLICANT_PHONE,
        "sms_code": code,
        "applicant": {"name": "王小芳", "id_type": "resident_id", "id_number": id_number(7)},
        "respondent": {"name": "李大壮"},
        "region": world["east_village"],
        "dispute_type": world["neighbour"],
        "facts": "",
        "requests": "运走",
        "rights_acknowledged": True,
    }
    with pytest.raises(InvalidInput):
        applications.application_submit(**body)
    done = applications.application_submit(**(body | {"facts": "堆土"}))
    assert done.application.facts == "堆土"


def test_limits_per_phone_pending_and_per_day(apply):
    for _ in range(applications.PENDING_PER_PHONE):
        apply()
    with pytest.raises(services.TooManyRequests) as refused:
        apply()
    assert "等调委会处理" in refused.value.message and refused.value.http_status == 429
    Application.objects.update(status="declined")
    for _ in range(applications.PER_PHONE_PER_DAY - applications.PENDING_PER_PHONE):
        apply()
    Application.objects.update(status="declined")
    with pytest.raises(services.TooManyRequests) as refused:
        apply()
    assert "今天提交的申请已达上限" in refused.value.message


def test_limit_per_client_address(apply):
    for n in range(applications.PER_ADDRESS_PER_DAY):
        apply(phone=f"1380000{n:04d}", ip="10.9.9.9")
    with pytest.raises(services.TooManyRequests) as refused:
        apply(phone="13811111111", ip="10.9.9.9")
    assert "这台设备" in refused.value.message
    assert apply(phone="13811111111", ip="10.9.9.8").status == "pending"


def test_register_creates_the_case_with_the_applicants_data(
    apply, clerk, outbox, django_capture_on_commit_callbacks
):
    a = apply()
    with django_capture_on_commit_callbacks(execute=True):
        case = applications.application_register(a, actor=clerk)
    a.refresh_from_db()
    assert a.status == "registered" and a.case == case and a.handled_by == clerk
    assert case.status == "intake" and case.source == "application"
    assert case.summary == a.facts and case.requests == a.requests
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    assert (applicant.name, applicant.phone, applicant.id_number) == (
        "王小芳",
        APPLICANT_PHONE,
        id_number(7),
    )
    assert applicant.gender and applicant.birth_date  # from the resident ID, as the form does
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    assert (respondent.name, respondent.phone, respondent.id_type) == (
        "李大壮",
        "13800000022",
        "none",
    )
    told = [x for x in outbox.lines() if x["template"] == "application_registered"]
    assert len(told) == 1 and told[0]["phone"] == APPLICANT_PHONE
    assert case.party_code in told[0]["text"] and a.reference in told[0]["text"]


def test_decline_needs_a_reason_and_tells_the_applicant(
    apply, director, outbox, django_capture_on_commit_callbacks
):
    a = apply()
    with pytest.raises(InvalidInput):
        applications.application_decline(a, actor=director, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_decline(a, actor=director, reason="已由法院受理")
    a.refresh_from_db()
    assert a.status == "declined" and a.decline_reason == "已由法院受理"
    told = [x for x in outbox.lines() if x["template"] == "application_declined"]
    assert len(told) == 1 and "已由法院受理" in told[0]["text"]
    with pytest.raises(InvalidState):
        applications.application_register(a, actor=director)


def test_only_the_committees_clerk_or_director_handles_it(
    apply, mediator, supervisor, outsider, clerk
):
    a = apply()
    with pytest.raises(NotFound):
        applications.application_register(a, actor=outsider)
    for user in (mediator, supervisor):
        with pytest.raises(PermissionDenied):
            applications.application_decline(a, actor=user, reason="不受理")
    assert list(applications.pending_for_handler(clerk)) == [a]
    assert not applications.pending_for_handler(mediator).exists()
    assert not applications.pending_for_handler(outsider).exists()
