"""Input the services accept in the forms the pages, the API and the import send: dates as
`date` or ISO text, amounts as numbers or text as people write it ("1,200", "1.2万元",
core.parsing), mediators as users or ids. Bad input is InvalidInput naming the field, never a
TypeError. What already happened cannot be dated in the future (`not_future`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from cases.choices import Role
from cases.models import Organization
from core.errors import InvalidInput
from core.parsing import AmountError, parse_amount

# The Chinese name of each field a message names.
LABELS: dict[str, str] = {
    "amount": "协议金额",
    "amount_involved": "涉及金额",
    "birth_date": "出生日期",
    "occurred_on": "纠纷发生日期",
    "conducted_at": "调查时间",
    "held_at": "调解时间",
    "visited_at": "回访时间",
}
# A clock a few minutes fast on the clerk's phone is not a record from the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


def amount_message(name: str) -> str:
    return f"{LABELS.get(name, name)}无法识别：请填写数字，如 1200 或 1.2万"


def decimal_or_none(value: object, name: str) -> Decimal | None:
    """An amount in yuan as people write it (core.parsing.parse_amount): "1,200", "1200元",
    "1.2万元" — never "1万" read as 1.00."""
    try:
        return parse_amount(value)
    except AmountError:
        message = amount_message(name)
        raise InvalidInput(message, fields={name: [message]}) from None


def not_future(value: dt.date | dt.datetime | None, name: str) -> None:
    """Refuses a date or time after now (CLOCK_SKEW allowed) for something that already
    happened: a birth, a dispute, an investigation, a session, a visit. The real clock, not an
    import's (an imported record is dated in the past and checked against today all the same)."""
    if value is None:
        return
    now = timezone.now()
    if isinstance(value, dt.datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        late = moment > now + CLOCK_SKEW
        word = "现在"
    else:
        late = value > timezone.localdate(now + CLOCK_SKEW)
        word = "今天"
    if late:
        message = f"{LABELS.get(name, name)}不能晚于{word}。"
        raise InvalidInput(message, fields={name: [message]})


def moment_or_none(value: object, name: str) -> dt.datetime | None:
    """A time as `datetime` or ISO text ("2026-11-27T14:30"); naive means local time."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        label = LABELS.get(name, name)
        message = f"{label}不是有效时间（YYYY-MM-DD HH:MM）"
        raise InvalidInput(message, fields={name: [message]}) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def date_or_none(value: object, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{name}不是有效日期（YYYY-MM-DD）", fields={name: ["不是有效日期（YYYY-MM-DD）"]}
        ) from None


def committee_mediators(
    ids_or_users: Iterable[User | int | str] | None, organization: Organization
) -> list[User]:
    """The users, each a mediator or director of `organization`."""
    users = []
    for item in ids_or_users or []:
        user = item if isinstance(item, User) else User.objects.filter(pk=item).first()
        if (
            user is None
            or not user.memberships.filter(
                organization=organization, role__in=[Role.MEDIATOR, Role.DIRECTOR]
            ).exists()
        ):
            raise InvalidInput(
                f"用户{item}不是本调委会的调解员",
                fields={"mediators": [f"用户{item}不是本调委会的调解员"]},
            )
        users.append(user)
    return users
