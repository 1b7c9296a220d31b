"""Sending one SMS through `settings.SMS_BACKEND` (SPEC §14).

`file` (the embedded default) appends a JSON line to SMS_OUTBOX, `console` logs the text, and
`aliyun` and `tencent` call the providers' documented HTTPS APIs: Aliyun's SendSms (RPC style,
signature version 1.0, HMAC-SHA1) and Tencent Cloud SMS API 3.0 (TC3-HMAC-SHA256). Each
backend returns the provider's receipt or raises SmsError; portal/tasks.py retries.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

# The text of each message for `file` and `console`; the providers send their own approved
# template (SMS_TEMPLATES) with the same parameters.
TEXTS = {
    "verification": "您的验证码为{code}，5分钟内有效。请勿告诉他人；如非本人操作，请忽略本短信。",
    # 网上申请结果 (SPEC §14): registered carries the case's party code (查询码).
    "application_registered": "您的调解申请（编号{reference}）已由{organization}登记受理，"
    "案件查询码{case_code}。可凭查询码和本手机号码查看调解进度。",
    "application_declined": "您的调解申请（编号{reference}）{organization}不予受理，"
    "理由：{reason}。如有疑问请联系该调委会。",
    # 受理通知 and 回访 (SPEC §14; portal/notices.py): the case code and the follow page.
    "intake_notice": "{organization}已受理您的纠纷（案号{number}），案件查询码{case_code}。"
    "可打开{link} 用本手机号码验证后查看调解进度。",
    "session_notice": "{organization}定于{held_at}在{place}调解您的纠纷（查询码{case_code}），"
    "请准时参加；不能参加请提前联系调解员。详情见{link}",
    "follow_up": "{organization}已对您的纠纷（查询码{case_code}）进行回访。欢迎打开{link} "
    "对调解工作作出评价，您的意见只用于改进工作。",
    # 签署邀请 (SPEC §14 签署协议): the case code and the follow page, where the party signs.
    "sign_invitation": "调解员已为您的纠纷（查询码{case_code}）拟好调解协议，请打开{link} "
    "用本手机号码验证后阅读协议并签名。如有疑问请联系调解员。",
}

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com/"


class SmsError(Exception):
    """The message was not accepted; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


def render(template: str, params: dict[str, str]) -> str:
    return TEXTS[template].format(**params)


def send(phone: str, template: str, params: dict[str, str]) -> str:
    backend = settings.SMS_BACKEND
    if backend == "file":
        return _file(phone, template, params)
    if backend == "console":
        log.info("SMS to %s: %s", phone, render(template, params))
        return ""
    if backend == "aliyun":
        return _aliyun(phone, template, params)
    if backend == "tencent":
        return _tencent(phone, template, params)
    raise SmsError(f"unknown SMS_BACKEND {backend!r}", retry=False)


def _file(phone: str, template: str, params: dict[str, str]) -> str:
    outbox = settings.SMS_OUTBOX
    outbox.parent.mkdir(parents=True, exist_ok=True)
    receipt = secrets.token_hex(8)
    line = {
        "id": receipt,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "phone": phone,
        "template": template,
        "params": params,
        "text": render(template, params),
    }
    with open(outbox, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return receipt


def _template_code(template: str) -> str:
    code = settings.SMS_TEMPLATES.get(template) or ""
    if not code:
        raise SmsError(f"SMS_TEMPLATES has no provider template for {template!r}", retry=False)
    return code


def _post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return answer
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read().decode("utf-8"))
        except ValueError:
            raise SmsError(f"HTTP {error.code}", retry=error.code >= 500) from error
        return answer
    except (OSError, ValueError) as error:
        raise SmsError(f"{type(error).__name__}: {error}") from error


# --- Aliyun SendSms ----------------------------------------------------------------------------


def aliyun_quote(value: str) -> str:
    """Aliyun's percentEncode: RFC 3986, space as %20, "~" kept."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(method: str, params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{aliyun_quote(k)}={aliyun_quote(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{aliyun_quote('/')}&{aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _aliyun(phone: str, template: str, params: dict[str, str]) -> str:
    query = {
        "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": settings.SMS_REGION or "cn-hangzhou",
        "SignName": settings.SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": secrets.token_hex(16),
        "SignatureVersion": "1.0",
        "TemplateCode": _template_code(template),
        "TemplateParam": json.dumps(params, ensure_ascii=False),
        "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    query["Signature"] = aliyun_signature("POST", query, settings.SMS_ACCESS_KEY_SECRET)
    body = urllib.parse.urlencode(query, quote_via=urllib.parse.quote).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    answer = _post(settings.SMS_ENDPOINT or ALIYUN_ENDPOINT, body, headers)
    if answer.get("Code") != "OK":
        code = str(answer.get("Code"))
        # Throttling is worth another try later; a bad template, sign or number is not.
        raise SmsError(f"{code}: {answer.get('Message')}", retry="Throttling" in code)
    return str(answer.get("BizId") or "")


# --- Tencent Cloud SMS (API 3.0) ----------------------------------------------------------------


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_signature(
    *, secret: str, host: str, payload: bytes, timestamp: int, content_type: str
) -> str:
    """TC3-HMAC-SHA256 over POST / with the signed headers content-type and host."""
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret}".encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _tencent(phone: str, template: str, params: dict[str, str]) -> str:
    url = settings.SMS_ENDPOINT or TENCENT_ENDPOINT
    host = urllib.parse.urlsplit(url).netloc
    number = phone if phone.startswith("+") else f"+86{phone}"
    payload = json.dumps(
        {
            "PhoneNumberSet": [number],
            "SmsSdkAppId": settings.SMS_SDK_APP_ID,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateId": _template_code(template),
            "TemplateParamSet": list(params.values()),
        },
        ensure_ascii=False,
    ).encode()
    timestamp = int(dt.datetime.now(dt.UTC).timestamp())
    content_type = "application/json; charset=utf-8"
    signature = tencent_signature(
        secret=settings.SMS_ACCESS_KEY_SECRET,
        host=host,
        payload=payload,
        timestamp=timestamp,
        content_type=content_type,
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    headers = {
        "Authorization": (
            f"TC3-HMAC-SHA256 Credential={settings.SMS_ACCESS_KEY_ID}/{date}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={signature}"
        ),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": settings.SMS_REGION or "ap-guangzhou",
    }
    answer = _post(url, payload, headers).get("Response") or {}
    if "Error" in answer:
        error = answer["Error"]
        raise SmsError(f"{error.get('Code')}: {error.get('Message')}", retry=False)
    statuses = answer.get("SendStatusSet") or [{}]
    status = statuses[0]
    if status.get("Code") != "Ok":
        code = str(status.get("Code"))
        raise SmsError(f"{code}: {status.get('Message')}", retry="LimitExceeded" in code)
    return str(status.get("SerialNo") or "")
