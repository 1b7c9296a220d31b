"""factory_boy factories that build consistent objects; cases are made through the service."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from stdnum.cn import ric

from cases.models import Membership, Organization, Profile, Region

User = get_user_model()


def id_number(n: int, birth: dt.date = dt.date(1970, 5, 1)) -> str:
    body = f"110105{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区域{n}")
    level = "village"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"第{n}村人民调解委员会")
    short_code = factory.Sequence(lambda n: f"第{n}调委")
    seal_name = factory.LazyAttribute(lambda o: o.name)
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-2026-test")

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            Profile.objects.create(user=self, **(extracted or {}))
            self.save()


def member(user, role: str, *, organization=None, region=None, registered: bool = True):
    Membership.objects.create(user=user, role=role, organization=organization, region=region)
    user.__dict__.pop("_tiaojie_memberships", None)
    if registered and role in ("mediator", "director") and organization is not None:
        register_mediator(user, organization)
    return user


def register_mediator(user, organization, *, term_ends_on=None):
    """The user's entry in the mediator register (SPEC §15: only a registered mediator in
    term is assigned), added to `organization`."""
    from county.models import MediatorRecord

    today = dt.date.today()
    record, _ = MediatorRecord.objects.get_or_create(
        user=user,
        defaults={
            "name": user.get_full_name() or user.username,
            "id_type": "none",
            "kind": "part_time",
            "grade": 3,
            "appointed_on": today - dt.timedelta(days=365),
            "term_ends_on": term_ends_on or today + dt.timedelta(days=3 * 365),
            "filed": True,
        },
    )
    record.organizations.add(organization)
    return record


def party(role: str = "applicant", n: int = 1, **overrides) -> dict:
    data = {
        "role": role,
        "kind": "person",
        "name": f"当事人{role[:3]}{n}",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": dt.date(1970, 5, 1),
        "id_number": id_number(n),
        "phone": f"1370000{n:04d}",
        "address": f"东村{n}组",
        "occupation": "农民",
    }
    return data | overrides


def township_committee(township: str = "东镇", clerk: str = "clerk_t"):
    """A committee one level above 东村 (SPEC §12: a case is escalated only up the region
    tree) and its clerk: (organization, clerk)."""
    region = Region.objects.get(name=township)
    org = Organization.objects.create(
        name=f"{township}人民调解委员会",
        short_code=f"{township}调委",
        seal_name=f"{township}人民调解委员会",
        region=region,
    )
    return org, member(UserFactory(username=clerk), "clerk", organization=org)


STAGES = (
    "investigation",
    "investigated",
    "mediation",
    "session_held",
    "closure",
    "follow_up",
    "archived",
)


def walk_to(case, stage: str, *, clerk, mediator, director, also=(), photos=()):
    """Walk a case from 待受理 to `stage` through the services alone: investigation (accepted,
    the mediator assigned), investigated (and an investigation record), mediation, session_held
    (a mediation session recorded), closure (a written agreement recorded), follow_up (closure
    approved), archived. `also`: more mediators assigned with `mediator`; `photos`: evidence
    photos (core.images.CleanPhoto) with the investigation record."""
    import datetime as dt

    from django.utils import timezone

    from workflows import services as s

    assert stage in STAGES, stage
    reached = STAGES.index(stage)
    s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk, *(u.pk for u in also)])
    if reached == 0:
        return case
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=timezone.now(),
        place="村委会",
        interviewee="当事人app1",
        content="了解情况",
        photos=photos,
    )
    if reached == 1:
        return case
    s.case_transition(case, "start_mediation", actor=mediator)
    if reached == 2:
        return case
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=timezone.now(),
        place="调解室",
        attendees="双方",
        content="陈述",
        result="同意",
    )
    if reached == 3:
        return case
    s.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind="written",
        terms=["支付五千元"],
        performance_method="转账",
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
        amount=5000,
        signatures_complete=True,
    )
    if reached == 4:
        return case
    s.case_transition(case, "approve_closure", actor=director)
    if reached == 5:
        return case
    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="phone",
        visitee="当事人app1",
        performance="performed",
        satisfaction="satisfied",
    )
    s.case_transition(case, "archive", actor=clerk)
    return case
