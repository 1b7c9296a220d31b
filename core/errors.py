"""Domain errors raised by the services; views turn them into form errors, the API into the
JSON error shape of SPEC §9."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        missing: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.missing = missing or []


class NotFound(DomainError):
    code, http_status = "not_found", 404


class PermissionDenied(DomainError):
    code, http_status = "permission_denied", 403


class InvalidInput(DomainError):
    code, http_status = "invalid", 400


class PreconditionFailed(DomainError):
    """A guard is not met; `missing` lists every unmet condition, in Chinese."""

    code, http_status = "precondition_failed", 400

    def __init__(self, missing: list[str]) -> None:
        super().__init__("条件未满足：" + "；".join(missing), missing=missing)


class InvalidState(DomainError):
    code, http_status = "invalid_state", 409


class Conflict(DomainError):
    code, http_status = "conflict", 409

    def __init__(self, message: str = "案件已被他人修改，请刷新后重试。") -> None:
        super().__init__(message)
