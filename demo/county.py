"""Demo data of the county's own work (SPEC §15): a register entry for every demo mediator and
director (with trainings, one short of the minimum), one mediator without an account whose term
ends within the month, the training minimum and a 以案定补 tariff for each demo county.
Upserted: running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import ric

from cases.models import Membership, Organization, Profile, Region
from county.models import MediatorRecord, Tariff, Training, TrainingRequirement

User = get_user_model()

# username (or None: no account), name, gender, birth, committee, kind, grade, years in term
# left (negative: days left), training hours this year
MEDIATORS = [
    ("director", "钱主任", "male", dt.date(1968, 3, 12), "东村调委", "full_time", 1, 2, 32),
    ("mediator", "孙调解", "female", dt.date(1975, 8, 2), "东村调委", "full_time", 2, 2, 28),
    ("mediator2", "李调解", "male", dt.date(1982, 1, 20), "东村调委", "part_time", 3, 1, 8),
    ("mediator_b", "吴调解", "male", dt.date(1979, 11, 5), "西村调委", "part_time", 3, 2, 24),
    (None, "陈调解", "female", dt.date(1965, 6, 30), "东村调委", "part_time", 4, -20, 12),
]


def _id_number(birth: dt.date, n: int) -> str:
    body = f"110105{birth:%Y%m%d}{n:03d}"
    return body + ric.calc_check_digit(body + "0")


# The township supervisor who reviews 东村's claims (初审); the password is the demo one.
TOWNSHIP_SUPERVISOR = ("supervisor_town", "冯督导", "东镇", "13900000009", "青山县东镇政府")


def seed_county() -> None:
    from demo.seed import PASSWORD

    today = timezone.localdate()
    town_username, full_name, township, phone, address = TOWNSHIP_SUPERVISOR
    town, created = User.objects.get_or_create(
        username=town_username, defaults={"first_name": full_name}
    )
    if created:
        town.set_password(PASSWORD)
        town.save()
    Profile.objects.update_or_create(user=town, defaults={"phone": phone, "address": address})
    Membership.objects.get_or_create(
        user=town, role="supervisor", region=Region.objects.get(name=township)
    )
    for n, (username, name, gender, birth, code, kind, grade, left, hours) in enumerate(
        MEDIATORS, start=201
    ):
        ends = today + dt.timedelta(days=-left) if left < 0 else dt.date(today.year + left, 12, 31)
        user = User.objects.get(username=username) if username else None
        record = MediatorRecord.objects.filter(id_number=_id_number(birth, n)).first()
        if record is None:
            record = MediatorRecord.objects.create(
                name=name,
                gender=gender,
                birth_year=birth.year,
                id_type="resident_id",
                id_number=_id_number(birth, n),
                phone=f"1390000{n:04d}",
                kind=kind,
                grade=grade,
                appointed_on=dt.date(ends.year - 3, ends.month, 1),
                term_ends_on=ends,
                filed=username is not None,
                user=user,
            )
            Training.objects.create(
                mediator=record,
                held_on=dt.date(today.year, 3, 15),
                topic="人民调解法及调解技巧培训",
                hours=Decimal(hours),
                organiser="青山县司法局" if code == "东村调委" else "白水县司法局",
            )
        record.organizations.add(Organization.objects.get(short_code=code))
    for county in ("青山县", "白水县"):
        region = Region.objects.get(name=county)
        TrainingRequirement.objects.get_or_create(
            region=region, defaults={"min_hours": Decimal("24")}
        )
        Tariff.objects.get_or_create(
            region=region,
            valid_from=dt.date(2026, 1, 1),
            defaults={
                "ordinary": Decimal("100"),
                "major": Decimal("200"),
                "complex": Decimal("300"),
                "grave": Decimal("500"),
                "oral_share": Decimal("0.50"),
                "terminated_share": Decimal("0.30"),
            },
        )
