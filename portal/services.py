"""The parties' writes (SPEC §14): SMS after commit, verification codes with their limits, and
the party sessions. Pages (portal/views.py) and the API (api/public.py) both call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from cases.validators import _MOBILE
from core.errors import DomainError, InvalidInput
from portal import sms
from portal.models import PartyToken, SmsCode, SmsMessage
from workflows.models import CaseEvent

CODE_VALID = dt.timedelta(minutes=5)
CODE_TRIES = 5
CODE_INTERVAL = dt.timedelta(minutes=1)
CODES_PER_DAY = 10
SESSION_LENGTH = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5  # SMS sending, then the message stays failed (visible in the admin)


class TooManyRequests(DomainError):
    code, http_status = "throttled", 429


class CodeRejected(DomainError):
    """A wrong, expired or used-up verification code, or a case code it was not asked for."""

    code, http_status = "invalid_code", 400


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalize_phone(phone: object) -> str:
    value = str(phone or "").strip().replace(" ", "").replace("-", "")
    if not _MOBILE.match(value):
        raise InvalidInput("请填写11位手机号码。", fields={"phone": ["请填写11位手机号码。"]})
    return value


def normalize_case_code(code: object) -> str:
    return str(code or "").strip().replace(" ", "").upper()


def is_imported(case: Case) -> bool:
    return CaseEvent.objects.filter(case=case, data__imported=True).exists()


# --- SMS ---------------------------------------------------------------------------------------


def sms_enqueue(
    *, phone: str, template: str, params: dict[str, str], case: Case | None = None
) -> SmsMessage | None:
    """Record the message and send it once the transaction commits. Nothing for an imported
    case: its parties were told on paper long ago."""
    if case is not None and is_imported(case):
        return None
    message = SmsMessage.objects.create(
        phone=phone,
        template=template,
        params=params,
        text=sms.render(template, params),
        case=case,
    )
    from portal.tasks import send_sms

    transaction.on_commit(lambda: send_sms.delay(message.pk))
    return message


def sms_deliver(pk: int) -> SmsMessage:
    """One attempt at sending message `pk`; the Celery task retries while it is pending."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=pk)
        if message.status != SmsMessage.Status.PENDING:
            return message
        message.attempts += 1
        message.backend = settings.SMS_BACKEND
        try:
            message.provider_id = sms.send(message.phone, message.template, message.params)
        except sms.SmsError as error:
            message.error = str(error)[:2000]
            if not error.retry or message.attempts >= MAX_ATTEMPTS:
                message.status = SmsMessage.Status.FAILED
        else:
            message.status = SmsMessage.Status.SENT
            message.sent_at = timezone.now()
            message.error = ""
        message.save()
    return message


# --- verification codes ------------------------------------------------------------------------


def _party_case(case_code: str, phone: str) -> Case | None:
    case: Case | None = Case.objects.filter(party_code=case_code, parties__phone=phone).first()
    return case


def code_request(*, phone: object, purpose: str, case_code: object = "") -> int:
    """Ask for a code; the answer (seconds it stays valid) is the same whether it was sent or
    not, so a case code or a phone cannot be probed. For `follow` the SMS goes only to a phone
    that is a party's on the case with that code."""
    number = normalize_phone(phone)
    if purpose not in SmsCode.Purpose.values:
        raise InvalidInput("用途无效。", fields={"purpose": ["须为 apply、follow 或 sign。"]})
    now = timezone.now()
    with transaction.atomic():
        recent = SmsCode.objects.select_for_update().filter(
            phone=number, created_at__gte=now - dt.timedelta(days=1)
        )
        last = recent.order_by("-created_at").first()
        if last is not None and now - last.created_at < CODE_INTERVAL:
            wait = int((CODE_INTERVAL - (now - last.created_at)).total_seconds()) + 1
            raise TooManyRequests(f"验证码发送太频繁，请 {wait} 秒后再试。")
        if recent.count() >= CODES_PER_DAY:
            raise TooManyRequests("这个手机号码今天获取验证码的次数已用完，请明天再试。")
        # An application's code goes to any phone: proving the number is the point.
        applying = purpose == SmsCode.Purpose.APPLY
        case = None if applying else _party_case(normalize_case_code(case_code), number)
        code = f"{secrets.randbelow(10**6):06d}"
        SmsCode.objects.create(
            phone=number,
            purpose=purpose,
            case=case,
            code_hash=_digest(code),
            sent=applying or case is not None,
            created_at=now,
            expires_at=now + CODE_VALID,
        )
        if applying or case is not None:
            sms_enqueue(phone=number, template="verification", params={"code": code}, case=None)
    return int(CODE_VALID.total_seconds())


def code_check(*, phone: object, purpose: str, code: object, case_code: object = "") -> Case:
    """The case the code was sent for, once; CodeRejected with a plain answer otherwise."""
    row = _code_use(phone=phone, purpose=purpose, code=code, case_code=case_code)
    assert row.case is not None
    case: Case = row.case
    return case


def phone_check(*, phone: object, code: object) -> str:
    """The phone of an online application, proven by its `apply` code (used once); the
    normalized number, or CodeRejected as for `code_check`."""
    row = _code_use(phone=phone, purpose=SmsCode.Purpose.APPLY, code=code)
    return row.phone


def _code_use(*, phone: object, purpose: str, code: object, case_code: object = "") -> SmsCode:
    number = normalize_phone(phone)
    typed = str(code or "").strip()
    if not typed:  # nothing typed is not a wrong try: it uses none of the attempts
        message = "请输入短信中的6位验证码。"
        raise CodeRejected(message, fields={"sms_code": [message]})
    wanted = normalize_case_code(case_code)
    now = timezone.now()
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone=number, purpose=purpose, used_at=None)
            .order_by("-created_at")
            .first()
        )
        refusal = _refusal(row, typed, wanted, now)
        if row is not None and refusal is None:
            row.used_at = now
        if row is not None:
            # Saved before the refusal is raised: a wrong try counts (outside the rollback).
            row.save(update_fields=["tries", "used_at"])
    if refusal is not None:
        raise CodeRejected(refusal, fields={"sms_code": [refusal]})
    assert row is not None
    return row


def _refusal(row: SmsCode | None, typed: str, wanted: str, now: dt.datetime) -> str | None:
    """Why the code `typed` is refused, counting the try on `row`; None when it is right."""
    if row is None:
        return "请先获取验证码。"
    if row.expires_at <= now:
        return "验证码已过期（5分钟内有效），请重新获取。"
    if row.tries >= CODE_TRIES:
        return "验证码输错已达5次，已失效，请重新获取。"
    row.tries += 1
    right = hmac.compare_digest(row.code_hash, _digest(typed))
    if right and row.purpose == SmsCode.Purpose.APPLY:
        return None
    if right and row.case is not None and row.case.party_code == wanted:
        return None
    if right:
        # The code is the one sent, for another case's code (or none).
        return "查询码与获取验证码时填写的不一致，请核对查询码后重新获取验证码。"
    left = CODE_TRIES - row.tries
    if left:
        return f"验证码不正确，还可以再试 {left} 次。"
    return "验证码输错已达5次，已失效，请重新获取。"


# --- party sessions (API) ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedSession:
    token: str
    expires_at: dt.datetime
    case: Case


def session_open(*, case_code: object, phone: object, sms_code: object) -> OpenedSession:
    case = code_check(
        phone=phone, purpose=SmsCode.Purpose.FOLLOW, code=sms_code, case_code=case_code
    )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    expires = now + SESSION_LENGTH
    PartyToken.objects.filter(expires_at__lte=now).delete()
    PartyToken.objects.create(
        key_hash=_digest(token),
        case=case,
        phone=normalize_phone(phone),
        created_at=now,
        expires_at=expires,
    )
    return OpenedSession(token=token, expires_at=expires, case=case)


def session_case(token: str) -> PartyToken | None:
    """The live party session of `token`, or None."""
    found: PartyToken | None = (
        PartyToken.objects.select_related("case")
        .filter(key_hash=_digest(token), expires_at__gt=timezone.now())
        .first()
    )
    return found
