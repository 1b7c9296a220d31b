"""The parties' own rating after a follow-up visit (SPEC §14 评价): 满意 / 基本满意 / 不满意 and a
comment, once per party, on the party's phone (page portal/views.py `rate`, API
`POST public/ratings/`). Written through workflows' `change` like every change of a case: the
case locked, one audited event (`party_rating`, no staff actor) and the roll-up kept exact in
the same transaction (the statistics show it beside the visitor-recorded 满意度)."""

from __future__ import annotations

from django.utils import timezone

from cases.choices import Satisfaction
from cases.models import Case, FollowUpVisit, Party, PartyRating
from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from workflows.services.change import change

COMMENT_MAX = 500


def raters(case: Case, phone: str) -> list[Party]:
    """The parties of `case` the session's phone number is on record for."""
    return [p for p in case.parties.all() if p.phone and p.phone == phone]


def state(case: Case, phone: str) -> dict[str, object]:
    """For the follow page and `GET public/case/`: may this party rate now, and what it gave."""
    parties = raters(case, phone)
    given = PartyRating.objects.filter(party__in=parties).order_by("created_at").first()
    visited = FollowUpVisit.objects.filter(case=case, superseded_by__isnull=True).exists()
    return {
        "can_rate": bool(parties) and visited and given is None,
        "given": given.satisfaction if given is not None else None,
        "given_label": given.get_satisfaction_display() if given is not None else None,
    }


def rate(
    case: Case, *, phone: str, satisfaction: object, comment: object = "", ip: str | None = None
) -> list[PartyRating]:
    """Record the rating of every party of `case` on record with `phone` (usually one)."""
    value = str(satisfaction or "")
    if value not in Satisfaction.values:
        message = "请选择满意、基本满意或不满意。"
        raise InvalidInput(message, fields={"satisfaction": [message]})
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        message = f"意见请不要超过{COMMENT_MAX}字（现在{len(text)}字）。"
        raise InvalidInput(message, fields={"comment": [message]})
    for _attempt in range(3):  # a staff change in between: read the case again and retry
        fresh = Case.objects.filter(pk=case.pk).first()
        if fresh is None:
            raise NotFound("案件不存在。")
        try:
            return _rate(fresh, phone, value, text, ip)
        except Conflict:
            continue
    raise Conflict()


def _rate(case: Case, phone: str, value: str, text: str, ip: str | None) -> list[PartyRating]:
    with change(case, actor=None, name="party_rating", ip=ip) as ch:
        parties = raters(ch.case, phone)
        if not parties:
            raise NotFound("没有找到您在本案中的当事人信息。")
        if not FollowUpVisit.objects.filter(case=ch.case, superseded_by__isnull=True).exists():
            raise InvalidState("调解员回访之后才可以评价。")
        if PartyRating.objects.filter(party__in=parties).exists():
            raise InvalidState("您已经评价过了，谢谢您的意见。")
        now = timezone.now()
        ratings = PartyRating.objects.bulk_create(
            PartyRating(
                case=ch.case, party=p, satisfaction=value, comment=text, created_at=now, ip=ip
            )
            for p in parties
        )
        ch.data["rating"] = {
            "parties": [p.pk for p in parties],
            "satisfaction": value,
            "comment": bool(text),
        }
    return ratings
