"""Building online applications in tests: a verified phone (its `apply` code read from the
file outbox) and a valid body; every field can be overridden."""

from __future__ import annotations

from tests.factories import id_number

APPLICANT_PHONE = "13800000011"


def make_outbox(settings, tmp_path):
    """The `file` SMS backend under the test's directory (tests/portal/conftest.py's `outbox`
    fixture, shared with the API and page tests of applications)."""
    import json

    settings.SMS_BACKEND = "file"
    settings.SMS_OUTBOX = tmp_path / "sms" / "outbox.jsonl"

    class Outbox:
        def lines(self):
            if not settings.SMS_OUTBOX.exists():
                return []
            return [json.loads(x) for x in settings.SMS_OUTBOX.read_text().splitlines()]

        def codes(self, phone=None):
            return [
                x["params"]["code"]
                for x in self.lines()
                if x["template"] == "verification" and phone in (None, x["phone"])
            ]

    return Outbox()


def ask_code(phone: str = APPLICANT_PHONE) -> None:
    from portal import services

    services.code_request(phone=phone, purpose="apply")


def last_code(outbox, phone: str = APPLICANT_PHONE) -> str:
    return outbox.codes(phone)[-1]


def submit(world, outbox, capture, *, phone: str = APPLICANT_PHONE, ip: str = "10.0.0.1", **over):
    """An application of 王小芳 against 李大壮 in 东村, through the service."""
    import datetime as dt

    from django.db.models import F

    from portal import applications
    from portal.models import SmsCode

    # One code a minute per phone: the earlier ones moved back so a test may submit several.
    SmsCode.objects.filter(phone=phone).update(created_at=F("created_at") - dt.timedelta(minutes=2))
    with capture(execute=True):
        ask_code(phone)
    data = {
        "phone": phone,
        "sms_code": last_code(outbox, phone),
        "applicant": {"name": "王小芳", "id_type": "resident_id", "id_number": id_number(7)},
        "respondent": {"name": "李大壮", "phone": "13800000022", "address": "东村3组"},
        "region": world["east_village"],
        "dispute_type": world["neighbour"],
        "facts": "李家修房把土堆在我家门口，下雨后水流进院子。",
        "requests": "请李家把土运走，赔偿清理费用。",
        "rights_acknowledged": True,
        "ip": ip,
    } | over
    return applications.application_submit(**data).application
