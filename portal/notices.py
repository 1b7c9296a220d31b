"""The parties' SMS sent on a case's own changes (SPEC §14): 受理通知 when the case is accepted,
调解时间地点 when the mediator schedules a session, 回访 (with the invitation to rate) when a
follow-up visit is recorded. Listens to
`workflows.signals.case_changed`; each message goes through `services.sms_enqueue`, so it is
recorded in the changing transaction and sent after commit, and never for an imported case
(`finish` does not send the signal for one)."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from workflows.models import CaseEvent

# The event name → the SMS template sent to every party of the case with a phone number.
NOTICES = {
    "accept": "intake_notice",
    "session_schedule": "session_notice",
    "follow_up_add": "follow_up",
}


def on_case_changed(sender: object, *, case: Case, event: CaseEvent, **kwargs: Any) -> None:
    template = NOTICES.get(event.name)
    if template is None:
        return
    from documents.context import follow_url
    from portal.services import sms_enqueue

    params = {
        "number": case.number,
        "organization": case.organization.name,
        "case_code": case.party_code,
        "link": follow_url(case),
    }
    if template == "session_notice":
        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        session = event.data.get("session") or {}
        moment = parse_datetime(str(session.get("held_at", "")))
        if moment is None:
            return
        local = timezone.localtime(moment)
        params |= {
            "held_at": f"{local.month}月{local.day}日{local:%H:%M}",
            "place": str(session.get("place", "")),
        }
    phones = {p.phone for p in case.parties.all() if p.phone}
    for phone in sorted(phones):
        sms_enqueue(phone=phone, template=template, params=params, case=case)
