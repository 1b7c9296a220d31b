"""Input the services accept in the forms the pages, the API and the import send: dates as
`date` or ISO text, amounts as numbers or text, mediators as users or ids. Bad input is
InvalidInput naming the field, never a TypeError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User

from cases.choices import Role
from cases.models import Organization
from core.errors import InvalidInput


def decimal_or_none(value: object, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{name}不是有效的金额", fields={name: ["不是有效的金额"]}) from None


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
