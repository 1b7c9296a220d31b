"""Official and stored text is always Chinese, whatever language the acting user reads the UI
in: documents (their frozen context and their rendering), notifications, supervision notices.
The UI's English is a reading aid, never what a record says."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation


def official():
    """Context manager: the deployment's language (zh-hans) for the block."""
    return translation.override(settings.LANGUAGE_CODE)


def in_official_language(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with official():
            return func(*args, **kwargs)

    return wrapper
