"""Log lines that can be followed across nodes: the request id (set by
config.middleware.RequestIdMiddleware) on every record, and `LOG_FORMAT=json`'s one JSON object a
line. The standard library's logging and json only: no dependency."""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar, Token

NO_REQUEST = "-"
_request_id: ContextVar[str] = ContextVar("tiaojie_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served in this context, or "-" outside a request."""
    return _request_id.get()


def set_request_id(value: str) -> None:
    _request_id.set(value)


def request_id_token(value: str) -> Token[str]:
    """Sets the id and returns what puts the previous one back (`reset_request_id`)."""
    return _request_id.set(value)


def reset_request_id(token: Token[str]) -> None:
    _request_id.reset(token)


def clear_request_id() -> None:
    _request_id.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that passes the handler (any logger, ours or not)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id, and
    `exception` (the traceback text) when the record has one. Chinese stays readable
    (ensure_ascii=False); a newline in a message is escaped, so a line is always one record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
