"""Who is acting, for audit records written far from the request (model signals): the admin
and the request middleware say who; a signal handler asks `current()`. Nothing set means the
system (a management command, the seed, a migration)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Acting:
    actor: Any  # a user, or None when not known (resolved lazily from `request` if given)
    source: str  # "admin", "web", "api", "system"
    ip: str | None = None
    request: Any = None

    def user(self) -> Any:
        """The acting user: the one given, else the request's (DRF sets it after token
        authentication), else None. An anonymous visitor is None."""
        user = self.actor
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


_current: ContextVar[Acting | None] = ContextVar("tiaojie_acting", default=None)


@contextmanager
def acting(
    actor: Any = None, *, source: str, ip: str | None = None, request: Any = None
) -> Iterator[Acting]:
    """Within the block, `current()` answers this actor (blocks nest; the innermost wins)."""
    value = Acting(actor=actor, source=source, ip=ip, request=request)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def current() -> Acting:
    return _current.get() or Acting(actor=None, source="system")
