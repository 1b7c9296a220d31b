"""Demo data of 排查 (SPEC §13). `seed_grid_workers` (from seed_reference): the grid workers
`grid` (东村第一网格) and `grid_b` (the village 西村 — SPEC §13 puts a grid worker on a grid or a
village). `seed_screening` (from the seed_demo command): two more grids of 东村, ten leads in
every open and closed state through the services, and a running sweep over 青山县 with one grid
reported, one zero report and the rest missing. Running either again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.choices import RegionLevel, Role
from cases.models import DisputeType, Membership, Profile, Region
from screening.models import Lead
from workflows import services as s

User = get_user_model()
PASSWORD = "demo-pass-2026"  # demo.seed.PASSWORD (that module imports this one)

GRID_WORKERS = [
    # username, name, village, grid (None: the village itself), phone
    ("grid", "冯网格", "东村", "东村第一网格", "13900000011"),
    ("grid_b", "陈网格", "西村", None, "13900000012"),
]
MORE_GRIDS = ["东村第二网格", "东村第三网格"]


def _grid(village: str, name: str) -> Region:
    parent = Region.objects.get(name=village)
    region = Region.objects.filter(parent=parent, name=name).first()
    if region is None:
        region = Region(parent=parent, name=name, level=RegionLevel.GRID)
        region.save()
    return region


def seed_grid_workers() -> None:
    for username, name, village, grid, phone in GRID_WORKERS:
        region = _grid(village, grid) if grid else Region.objects.get(name=village)
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
        if created:
            user.set_password(PASSWORD)
            user.save()
        Profile.objects.update_or_create(user=user, defaults={"phone": phone})
        Membership.objects.get_or_create(user=user, role=Role.GRID_WORKER, region=region)


def _type(code: str) -> DisputeType:
    return DisputeType.objects.get(code=code, taxonomy__is_current=True)


@transaction.atomic
def seed_screening() -> int:
    """The demo leads and sweep (once: nothing is added when leads exist). The count added."""
    if Lead.objects.exists():
        return 0
    for name in MORE_GRIDS:
        _grid("东村", name)
    users = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    grid, grid_b, clerk = users["grid"], users["grid_b"], users["clerk"]
    director, mediator, supervisor = users["director"], users["mediator"], users["supervisor"]
    today = timezone.localdate()
    first_grid = Region.objects.get(name="东村第一网格")
    east = Region.objects.get(name="东村")
    sweep = s.sweep_open(
        actor=supervisor,
        region=Region.objects.get(name="青山县"),
        name="元旦春节前矛盾纠纷大排查",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=5),
        focus="征地拆迁、劳资、婚姻家庭",
    )

    def report(actor, region, description, **extra):
        return s.lead_report(actor=actor, region=region, description=description, **extra)

    leads = [
        report(
            grid,
            first_grid,
            "两户因宅基地边界砌墙发生争吵，一方扬言要动手",
            place="东村一组王家门前",
            people_involved=2,
            people=[
                {"name": "王德福", "role": "applicant", "phone": "13811110001"},
                {"name": "李建国", "role": "respondent"},
            ],
            risk_factors=["violence_threat"],
            dispute_type=_type("housing_homestead"),
            sweep=sweep,
            channel="sweep",
        ),
        report(
            grid,
            first_grid,
            "十余名工人聚集在工地门口讨要工资",
            place="东村砖厂",
            people_involved=12,
            people=[{"name": "张志强", "phone": "13811110002"}],
            risk_factors=["petition_history"],
            dispute_type=_type("labour"),
            sweep=sweep,
            channel="sweep",
        ),
        report(grid, first_grid, "邻居家装修噪音扰民", place="东村三组", people_involved=2),
        report(
            clerk,
            east,
            "派出所移交：夫妻因家务事争吵报警",
            channel="police_110",
            sender="东镇派出所",
            sender_reference="东公（110）2026-1234",
            people=[{"name": "刘海燕"}, {"name": "刘军"}],
            dispute_type=_type("marriage_family"),
        ),
        report(
            clerk,
            east,
            "法院委派诉前调解：买卖合同货款纠纷",
            channel="court",
            sender="青山县人民法院",
            sender_reference="（2026）鲁0281民诉前调1234号",
            people=[
                {"name": "陈秀英", "role": "applicant"},
                {"name": "青山建材店", "role": "respondent"},
            ],
            dispute_type=_type("contract"),
        ),
        report(grid, first_grid, "村口鱼塘承包到期后村民争抢", place="东村鱼塘", people_involved=6),
        report(mediator, east, "老人赡养问题兄弟互相推诿", people=[{"name": "赵桂兰"}]),
        report(grid, first_grid, "疑似有人在村道乱倒垃圾引起口角", people_involved=2),
        report(grid_b, Region.objects.get(name="西村"), "两户争用灌溉水渠", people_involved=2),
        report(grid, first_grid, "物业停水引发住户不满", place="东村安置小区", people_involved=3),
    ]
    # leads[3] (the police referral) and leads[4] (the court's) wait for the clerk: the README's
    # walk-through converts one to a case (a converted demo lead would add a case to --cases N).
    lead = leads[2]
    s.lead_transition(
        lead,
        "resolve_on_site",
        actor=mediator,
        version=lead.version,
        note="上门劝导，双方约定施工时间",
    )
    lead = leads[5]
    s.lead_transition(
        lead,
        "watch",
        actor=director,
        version=lead.version,
        note="承包方案待村民代表大会讨论",
        next_check_on=today + dt.timedelta(days=14),
    )
    lead = leads[7]
    s.lead_transition(lead, "close", actor=clerk, version=lead.version, note="经核实系误会，已说开")
    lead = leads[9]
    s.lead_transition(
        lead,
        "refer",
        actor=director,
        version=lead.version,
        receiver="housing",
        reason="物业服务问题属住建部门监管",
        feedback_due=today + dt.timedelta(days=15),
    )
    s.sweep_report(
        sweep,
        actor=clerk,
        region=Region.objects.get(name="东村第一网格"),
        zero=False,
        note="网格排查出2条线索",
    )
    s.sweep_report(
        sweep, actor=clerk, region=Region.objects.get(name="东村第二网格"), zero=True, note=""
    )
    return len(leads)


_USERNAMES = ["grid", "grid_b", "clerk", "director", "mediator", "supervisor"]
