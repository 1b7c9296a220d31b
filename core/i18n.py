"""Official and stored text is always Chinese, whatever language the acting user reads the UI
in: documents (their frozen context and their rendering), notifications, supervision notices.
The UI's English is a reading aid, never what a record says."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.utils import translation

_P = ParamSpec("_P")
_R = TypeVar("_R")


def official() -> translation.override:
    """Context manager: the deployment's language (zh-hans) for the block."""
    return translation.override(settings.LANGUAGE_CODE)


def in_official_language(func: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with official():
            return func(*args, **kwargs)

    return wrapper
