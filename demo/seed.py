"""Demo data of SPEC §10. Reference data is upserted; cases go through the services only."""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.choices import DISPUTE_TYPES_V1, RegionLevel, Source
from cases.models import DisputeTaxonomy, DisputeType, Membership, Organization, Profile, Region
from demo.county import seed_county
from demo.screening import seed_grid_workers

PASSWORD = "demo-pass-2026"
User = get_user_model()

REGIONS = {
    "青山市": (
        "city",
        {
            "青山县": (
                "county",
                {
                    "东镇": (
                        "township",
                        {
                            "东村": ("village", {"东村第一网格": ("grid", {})}),
                            "南村": ("village", {}),
                        },
                    ),
                    "北镇": ("township", {"北村": ("village", {})}),
                },
            ),
            "白水县": (
                "county",
                {
                    "西镇": ("township", {"西村": ("village", {})}),
                },
            ),
        },
    ),
}

ORGANIZATIONS = [
    ("东村人民调解委员会", "东村调委", "东村", "青山县"),
    ("西村人民调解委员会", "西村调委", "西村", "白水县"),
]

# username, full name, role, organization short code or region name, phone, address
USERS = [
    ("clerk", "赵登记", "clerk", "东村调委", "13900000001", "青山县东镇东村1组"),
    ("director", "钱主任", "director", "东村调委", "13900000002", "青山县东镇东村2组"),
    ("mediator", "孙调解", "mediator", "东村调委", "13900000003", "青山县东镇东村3组"),
    ("mediator2", "李调解", "mediator", "东村调委", "13900000004", "青山县东镇东村4组"),
    ("clerk_b", "周登记", "clerk", "西村调委", "13900000005", "白水县西镇西村1组"),
    ("mediator_b", "吴调解", "mediator", "西村调委", "13900000006", "白水县西镇西村2组"),
    ("supervisor", "郑督导", "supervisor", "青山县", "13900000007", "青山县城关"),
    ("supervisor_city", "王督导", "supervisor", "青山市", "13900000008", "青山市市区"),
]


def _regions(tree: dict, parent=None) -> None:
    for name, (level, children) in tree.items():
        region = Region.objects.filter(parent=parent, name=name).first()
        if region is None:
            region = Region(parent=parent, name=name, level=RegionLevel(level))
            region.save()
        _regions(children, region)


@transaction.atomic
def seed_reference() -> dict:
    _regions(REGIONS)
    taxonomy, _ = DisputeTaxonomy.objects.get_or_create(
        version=1,
        defaults={
            "name": "人民调解纠纷类型",
            "effective_from": dt.date(2026, 1, 1),
            "is_current": True,
        },
    )
    for order, (code, name) in enumerate(DISPUTE_TYPES_V1):
        DisputeType.objects.update_or_create(
            taxonomy=taxonomy, code=code, defaults={"name": name, "order": order}
        )
    for name, code, village, county in ORGANIZATIONS:
        Organization.objects.update_or_create(
            short_code=code,
            defaults={
                "name": name,
                "seal_name": name,
                "region": Region.objects.get(name=village),
                "basic_court": f"{county}人民法院",  # SPEC §13: 司法确认
            },
        )
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"first_name": "系统管理员", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(PASSWORD)
        admin.save()
    for username, full_name, role, where, phone, address in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        Profile.objects.update_or_create(user=user, defaults={"phone": phone, "address": address})
        if role == "supervisor":
            Membership.objects.get_or_create(
                user=user, role=role, region=Region.objects.get(name=where)
            )
        else:
            Membership.objects.get_or_create(
                user=user, role=role, organization=Organization.objects.get(short_code=where)
            )
    seed_county()  # the mediator register, trainings and tariffs (SPEC §15)
    seed_grid_workers()  # 网格员 grid and grid_b (SPEC §13)
    return {"users": User.objects.count(), "regions": Region.objects.count()}


@contextmanager
def _at(moment: dt.datetime):
    """Back-date a demo case by moving the clock (time-machine is a dev dependency). Yields
    `later(days)`, which moves the clock on between two steps of the case — never past the
    real present — so durations, deadlines and statistics look like real work."""
    real_now = timezone.now()
    try:
        import time_machine
    except ImportError:  # pragma: no cover - production install without dev extras
        yield lambda days: None
        return
    with time_machine.travel(moment, tick=True) as traveller:

        def later(days: float) -> None:
            room = real_now - timezone.now() - dt.timedelta(hours=1)
            step = min(dt.timedelta(days=days), room)
            if step > dt.timedelta(0):
                traveller.shift(step)

        yield later


SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "明", "丽", "伟", "芳", "军", "红梅", "德福"]
PLACES = ["村委会调解室", "当事人家中", "纠纷现场", "镇司法所"]

# The path each demo case is walked to (every state, outcome and risk level appears).
SCENARIOS = [
    "intake",
    "declined",
    "investigation",
    "mediation",
    "written",
    "oral_follow_up",
    "failed_archived",
    "withdrawn",
    "written_archived",
    "high_risk",
    "critical",
    "overdue",
    "extended",
    "declined_archived",
    "reopened",
]


def _person(rng: random.Random, role: str, village: str) -> dict:
    """A realistic party: mostly resident IDs (often of a county coded after the holder's
    birth, as real ones are), now and then an old 15-digit number, an elderly party with no
    card, or a permit or passport (SPEC §11)."""
    from stdnum.cn import ric

    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
    # 110111 房山区 (1986), 110115 大兴区 (2001): numbers of people born before those years.
    body = f"{rng.choice(['110101', '110105', '110111', '110115'])}{birth:%Y%m%d}{rng.randrange(100, 999)}"
    document = {"id_type": "resident_id", "id_number": body + ric.calc_check_digit(body + "0")}
    pick = rng.random()
    if pick < 0.06:
        document = {"id_type": "none", "id_number": ""}  # an elderly party who brought no card
    elif pick < 0.10 and birth.year < 2000:
        document = {
            "id_type": "resident_id_15",
            "id_number": f"110105{birth:%y%m%d}{rng.randrange(100, 999)}",
        }
    elif pick < 0.12:
        document = {"id_type": "hk_macao_permit", "id_number": f"H{rng.randrange(10**7, 10**8)}"}
    elif pick < 0.13:
        document = {
            "id_type": "passport",
            "id_number": f"E{rng.randrange(10**7, 10**8)}",
            "id_country": "USA",
        }
    return {
        "role": role,
        "kind": "person",
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "gender": rng.choice(["male", "female"]),
        "ethnicity": "汉族",
        "birth_date": birth,
        **document,
        "phone": f"13{rng.randrange(100000000, 999999999)}",
        "address": f"{village}{rng.randrange(1, 9)}组{rng.randrange(1, 60)}号",
        "occupation": "农民",
    }


def seed_cases(n: int, seed: int = 2026) -> int:
    """Create cases until `n` demo cases exist (re-running adds nothing)."""
    from cases.models import Case

    existing = Case.objects.filter(summary__startswith="【演示】").count()
    rng = random.Random(seed + existing)
    for i in range(existing, n):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        days_ago = 12 if scenario == "overdue" else rng.randrange(0, 200)
        with _at(timezone.now() - dt.timedelta(days=days_ago)) as later:
            _demo_case(i, scenario, rng, later)
    return n - existing if n > existing else 0


def _demo_case(i: int, scenario: str, rng: random.Random, later=lambda days: None) -> None:
    from workflows import services as s

    org = Organization.objects.get(short_code="西村调委" if i % 7 == 3 else "东村调委")
    clerk = User.objects.get(username="clerk" if org.short_code == "东村调委" else "clerk_b")
    director = User.objects.get(username="director") if org.short_code == "东村调委" else None
    mediator = User.objects.get(
        username="mediator" if org.short_code == "东村调委" else "mediator_b"
    )
    types = list(DisputeType.objects.filter(taxonomy__is_current=True))
    factors = {
        "high_risk": ["violence_threat"],
        "critical": ["violence_threat", "self_harm_threat"],
    }.get(scenario, [])
    if scenario == "intake" and i % 2:
        factors = ["petition_history", "vulnerable_party"]  # medium
    case = s.case_register(
        actor=clerk,
        organization=org,
        region=org.region,
        dispute_type=types[i % len(types)],
        source=list(Source.values)[i % len(Source.values)],
        summary=f"【演示】{types[i % len(types)].name}纠纷：双方因{rng.choice(['宅基地界址', '赔偿款', '借款', '噪音', '用水'])}发生争执，经多次协商未果。",
        requests="请求调委会主持调解，依法解决纠纷。",
        amount_involved=rng.choice([None, 3000, 12000, 50000, 150000]),
        occurred_on=timezone.localdate() - dt.timedelta(days=rng.randrange(5, 60)),
        parties=[
            _person(rng, "applicant", org.region.full_name),
            _person(rng, "respondent", org.region.full_name),
        ],
        risk_factors=factors,
    )
    if scenario in ("intake", "overdue"):
        return
    later(rng.uniform(0.2, 2))
    if scenario.startswith("declined"):
        s.case_transition(
            case,
            "decline",
            actor=clerk,
            reason="不属于人民调解受理范围，已告知当事人向有关部门反映。",
        )
        if scenario == "declined_archived" and director:
            later(rng.uniform(1, 4))
            s.case_transition(case, "approve_closure", actor=director)
        return
    if scenario == "critical":
        s.case_report_risk(
            case,
            actor=clerk,
            reported_to="东镇派出所、青山县综治中心",
            reason="一方扬言报复并有自伤言行",
        )
    s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    if scenario in ("investigation", "critical"):
        return
    if scenario == "withdrawn":
        s.case_transition(
            case, "withdraw", actor=clerk, party="申请人", reason="双方已自行和解，申请人撤回申请。"
        )
        return
    later(rng.uniform(1, 5))
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=timezone.now(),
        place=rng.choice(PLACES),
        interviewee=case.parties.all()[0].name,
        recorder=mediator.get_full_name(),
        content="了解纠纷经过：双方对事实基本无争议，争议集中在赔偿数额。",
    )
    if scenario == "extended":
        s.case_transition(
            case, "extend_deadline", actor=mediator, days=15, consent=True, reason="需等待鉴定结果"
        )
    later(rng.uniform(1, 6))
    s.case_transition(case, "start_mediation", actor=mediator)
    later(rng.uniform(0.5, 4))
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=timezone.now(),
        place=rng.choice(PLACES),
        attendees="双方当事人及调解员",
        content="双方陈述各自意见，调解员释法明理。",
        facts_verified="事实清楚。",
        result="双方同意协商解决。",
    )
    if scenario in ("mediation", "high_risk", "extended"):
        return
    later(rng.uniform(1, 12))
    if scenario == "failed_archived":
        s.case_transition(
            case, "record_failure", actor=mediator, reason="双方分歧较大，经多次调解未能达成协议。"
        )
        if director:
            later(rng.uniform(1, 4))
            s.case_transition(
                case,
                "approve_closure",
                actor=director,
                summary_of_work="调解不成，已告知其他救济途径。",
            )
        return
    kind = "oral" if scenario == "oral_follow_up" else "written"
    s.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind=kind,
        terms=[
            "被申请人于履行期限内一次性支付申请人赔偿款人民币伍仟元整。",
            "申请人收到款项后不再就本纠纷主张其他权利。",
            "调解费用由调委会承担，不向当事人收取。",
        ],
        performance_method="现金或银行转账",
        amount=5000,
        signatures_complete=True,
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    if scenario == "written" or director is None:
        return
    later(rng.uniform(1, 4))
    s.case_transition(
        case, "approve_closure", actor=director, summary_of_work="经调解双方达成协议，纠纷化解。"
    )
    if scenario in ("oral_follow_up",):
        return
    later(rng.uniform(12, 25))
    performance = "not_performed" if scenario == "reopened" else "performed"
    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="phone",
        visitee=case.parties.all()[0].name,
        performance=performance,
        satisfaction="satisfied" if performance == "performed" else "unsatisfied",
    )
    if scenario == "reopened":
        s.case_transition(
            case, "reopen", actor=director, reason="被申请人未按期履行，重新组织调解。"
        )
        return
    later(rng.uniform(0.5, 3))
    s.case_transition(case, "archive", actor=clerk)
