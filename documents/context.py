"""Builds the plain-JSON context a document is rendered from. The same dict is stored on the
Document row and embedded in the PDF, so a retry renders exactly what was scheduled."""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cases.choices import Source
from cases.models import (
    Agreement,
    AgreementDraft,
    Case,
    DeadlineSettings,
    Organization,
    Signature,
    display_name,
)
from core.parsing import clean_terms
from documents.labels import TITLES
from documents.models import Document
from documents.renderer import cn_number

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from screening.models import Lead


def _d(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def case_data(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "dispute_type": f"{case.dispute_type.name}纠纷",
        "source": case.get_source_display(),
        "summary": case.summary,
        "requests": case.requests,
        "amount_involved": str(case.amount_involved) if case.amount_involved is not None else "",
        "occurred_on": _d(case.occurred_on),
        "registered_on": _d(timezone.localtime(case.registered_at).date()),
        "accepted_on": _d(timezone.localtime(case.accepted_at).date())
        if case.accepted_at
        else None,
        "region": case.region.full_name,
        "mediators": [display_name(u) for u in case.mediators.all()],
        "status_label": case.get_status_display(),
        "outcome_label": case.get_outcome_display() if case.outcome else "",
        "deadline": _d(case.deadline) or None,
        "risk_level_label": case.get_risk_level_display(),
    }


def parties_data(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "role": p.role,
            "role_label": p.get_role_display(),
            "kind": p.kind,
            "kind_label": p.get_kind_display(),
            "name": p.name,
            "gender_label": p.get_gender_display() if p.gender else "",
            "ethnicity": p.ethnicity,
            "birth_date": _d(p.birth_date),
            "id_type": p.id_type,
            "id_label": p.id_label,  # 身份证号, 护照号 … (cases.identity)
            "id_number": p.id_number,
            "id_country": p.id_country,
            "phone": p.phone,
            "address": p.address,
            "occupation": p.occupation,
            "uscc": p.uscc,
            "legal_representative": p.legal_representative,
        }
        for p in case.parties.all()
    ]


def _terms(a: Agreement | AgreementDraft) -> dict[str, Any]:
    """What an agreement and its draft print alike. The terms as saved (the service drops a
    typed "一、"; so does this, for older rows), and numbered once, here: the AGR prints "一、…"
    from `numbered_terms`."""
    terms = clean_terms(list(a.terms))
    return {
        "facts": a.facts,
        "responsibilities": a.responsibilities,
        "terms": terms,
        "numbered_terms": [f"{cn_number(n)}、{term}" for n, term in enumerate(terms, 1)],
        "performance_method": a.performance_method,
        "performance_deadline": _d(a.performance_deadline),
        "amount": str(a.amount) if a.amount is not None else "",
        "copies": a.case.parties.count() + 1,
    }


def _agreement(a: Agreement) -> dict[str, Any]:
    return {
        **_terms(a),
        "number": a.number,
        "effective_on": _d(a.effective_on),
        "signatures": {
            "parties": _draft_signatures(a)
            or [{"name": p.name, "signed": a.parties_signed} for p in a.case.parties.all()],
            "mediator": a.mediator_signed,
            "seal": a.seal_affixed,
        },
    }


def draft_context(draft: AgreementDraft) -> dict[str, Any]:
    """The AGR's context for a draft (SPEC §14 签署协议, marked 草稿): what the parties read
    before they sign. Not an issued document: no number, no verification link."""
    case = draft.case
    now = timezone.localtime()
    return {
        "document": {
            "code": "AGR",
            "title": "人民调解协议书（草稿）",
            "number": "草稿",
            "issued_on": now.date().isoformat(),
            "issued_at": now.isoformat(timespec="seconds"),
            "verify_url": "",
        },
        "organization": organization_data(case.organization),
        "case": case_data(case),
        "parties": parties_data(case),
        "record": {
            **_terms(draft),
            "draft": True,
            "number": "",
            "effective_on": "",
            "signatures": {
                "parties": [
                    {"name": s.party.name, "signed": False, "status": s.status}
                    for s in draft.signatures.select_related("party")
                ],
                "mediator": False,
                "seal": False,
            },
        },
    }


def _draft_signatures(a: Agreement) -> list[dict[str, Any]]:
    """The evidence of each party's signature when the agreement was made from a signed draft
    (SPEC §14 签署协议): status, time, address, device and the SHA-256 of the image; the PNG
    itself as a data URL, so the AGR prints it and record.json carries what the hash is of."""
    draft = AgreementDraft.objects.filter(agreement=a).first()
    if draft is None:
        return []
    rows = []
    for s in draft.signatures.select_related("party").order_by("party__role", "pk"):
        row: dict[str, Any] = {
            "name": s.party.name,
            "role": s.party.role,
            "signed": s.done,
            "status": s.status,
            "status_label": s.get_status_display(),
            "signed_at": timezone.localtime(s.signed_at).isoformat(timespec="seconds")
            if s.signed_at
            else "",
            "signed_at_shown": _d(s.signed_at),
            "ip": s.ip or "",
            "user_agent": s.user_agent,
            "sha256": s.sha256,
        }
        if s.status == Signature.Status.SIGNED and s.image:
            with s.image.open("rb") as handle:
                row["image"] = "data:image/png;base64," + base64.b64encode(handle.read()).decode()
        if s.status == Signature.Status.PAPER:
            row["photo_sha256"] = s.photo_sha256
        rows.append(row)
    return rows


def record_data(code: str, case: Case, record: Any, actor: User | None) -> dict[str, Any]:
    # `record` is the model instance `code` prints (InvestigationRecord for INV, …) or None.
    today = _d(timezone.localdate())
    agreement = case.current_agreement
    if code == "APP":
        return {
            "application_kind": case.application_kind,
            "facts": case.summary,
            "requests": case.requests,
            "applied_on": _d(timezone.localtime(case.registered_at).date()),
        }
    if code == "REG":
        return {
            "accepted_on": today,
            "accepted_by": display_name(actor),
            "mediators": [display_name(u) for u in case.mediators.all()],
            "source_label": str(Source(case.source).label),
            "registrar": display_name(case.created_by),
        }
    if code == "NOT":
        return {"notified_on": today}
    if code == "DEC":
        return {"reason": case.closing_reason, "declined_on": today}
    if code == "INV":
        return {
            "conducted_at": _d(record.conducted_at),
            "place": record.place,
            "interviewers": list(record.interviewers),
            "recorder": record.recorder,
            "interviewee": record.interviewee,
            "content": record.content,
            "evidence": list(record.evidence),
        }
    if code == "MED":
        return {
            "held_at": _d(record.held_at),
            "place": record.place,
            "mediators": list(record.mediator_names),
            "attendees": record.attendees,
            "content": record.content,
            "facts_verified": record.facts_verified,
            "result": record.result,
        }
    if code == "EXT":
        return {
            "days": record.days,
            "old_deadline": _d(record.old_deadline),
            "new_deadline": _d(record.new_deadline),
            "reason": record.reason,
            "consents": list(record.consent),
        }
    if code in ("AGR", "ORA"):
        return _agreement(record)
    if code == "TRM":
        return {
            "reason": case.closing_reason,
            "ended_on": today,
            "withdrawn_by": case.withdrawn_by,
            "kind": "withdrawn" if case.outcome == "withdrawn" else "failed",
        }
    if code == "CLS":
        return {
            "outcome_label": case.get_outcome_display(),
            "closed_on": today,
            "approved_by": display_name(actor),
            "approved_on": today,
            "summary_of_work": case.summary_of_work,
            "agreement_number": agreement.number if agreement else "",
        }
    if code == "FUV":
        return {
            "agreement_number": agreement.number if agreement else "",
            "visited_at": _d(record.visited_at),
            "method_label": record.get_method_display(),
            "visitor": record.visitor,
            "visitee": record.visitee,
            "performance_label": record.get_performance_display(),
            "satisfaction_label": record.get_satisfaction_display(),
            "new_risks": record.new_risks,
            "action_taken": record.action_taken,
            "went_to_court": record.went_to_court,
        }
    if code == "SUP":
        return {
            "issued_by": display_name(record.created_by),
            "authority": record.authority,
            "content": record.content,
            "reply_by": _d(record.reply_by),
        }
    if code in ("JCA", "JCB"):
        return judicial_data(code, case, record)
    if code == "DOS":
        return {}
    raise ValueError(f"unknown document code {code}")


def organization_data(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "short_code": org.short_code,
        "seal_name": org.seal_name,
        "region": org.region.full_name,
    }


def document_header(doc: Document) -> dict[str, Any]:
    return {
        "code": doc.code,
        "title": TITLES[doc.code],
        "number": doc.number,
        "version": doc.version,
        "token": doc.token,
        "verify_url": settings.SITE_URL + reverse("verify", args=[doc.token]),
        "issued_on": _d(timezone.localtime(doc.created_at).date()),
        "issued_at": timezone.localtime(doc.created_at).isoformat(timespec="seconds"),
    }


# The documents handed to the parties at the start, which print the party code and the QR code
# of the follow page (SPEC §14).
PARTY_CODE_DOCUMENTS = ("NOT", "APP")


def follow_url(case: Case) -> str:
    """The follow page with the case's party code filled in (never the phone)."""
    return f"{settings.SITE_URL}{reverse('portal:start')}?code={case.party_code}"


def feedback_data(case: Case) -> dict[str, Any]:
    """FBK (矛盾纠纷调处情况反馈函): the referral the case came from — the sender, their
    reference, when it was found and the 30-day term of a court's 诉前 referral — and the
    outcome, for the lead the case was registered from (screening.Lead.case)."""
    from screening.models import Channel, Lead

    lead = Lead.objects.filter(case=case).first()
    if lead is None:
        return {}
    return {
        "lead_number": lead.number,
        "channel": lead.get_channel_display(),
        "pre_litigation": lead.channel == Channel.COURT,
        "sender": lead.sender or lead.get_channel_display(),
        "sender_reference": lead.sender_reference,
        "found_on": _d(lead.found_on),
        "feedback_due": _d(lead.feedback_due) or "",
        "outcome": case.get_outcome_display() if case.outcome else "",
        "closing_reason": case.closing_reason,
        "closed_on": _d(timezone.localdate()),
    }


def judicial_data(code: str, case: Case, record: Any) -> dict[str, Any]:
    """JCA (司法确认申请书) and JCB (its bundle): the recorded application (JudicialConfirmation),
    the court, and the agreement it asks the court to confirm, numbered and with its terms. The
    bundle also names the documents it binds: the JCA scheduled with it and the issued AGR."""
    agreement = record.agreement
    window = dt.timedelta(days=DeadlineSettings.current().judicial_window_days)
    data: dict[str, Any] = {
        "court": record.court,
        "applied_on": _d(record.applied_on),
        "window_end": _d(agreement.effective_on + window),
        "agreement": _agreement(agreement),
    }
    if code == "JCB":
        documents = Document.objects.filter(case=case).exclude(status=Document.Status.SUPERSEDED)
        jca = documents.filter(code="JCA", slot=f"r{record.pk}").order_by("-version").first()
        agr = documents.filter(
            code="AGR", slot=f"r{agreement.pk}", status=Document.Status.ISSUED
        ).order_by("-version")
        data["application_document"] = jca.pk if jca else None
        data["agreement_document"] = agr.values_list("pk", flat=True).first()
        # The identity page (身份信息页): what the court checks of each applicant.
        data["identity"] = [
            {
                "name": p.name,
                "role_label": p.get_role_display(),
                "kind": p.kind,
                "id_type_label": p.get_id_type_display() if p.id_type else p.id_label,
                "id_number": p.id_number,
                "id_country": p.id_country,
                "uscc": p.uscc,
                "legal_representative": p.legal_representative or p.occupation,
                "address": p.address,
                "phone": p.phone,
            }
            for p in case.parties.all()
        ]
    return data


# What the 反馈函 says happened to a lead that ended without a case (SPEC §13).
LEAD_OUTCOMES = {"resolved": "就地化解", "referred": "移交", "closed": "核实无纠纷"}


def lead_feedback_data(lead: Lead) -> dict[str, Any]:
    """FBK for a referred-in lead resolved on site, referred onwards or closed (no case): the
    sender, their reference, the lead's number and what happened — 就地化解 with what was done,
    移交 to whom and why, 核实无纠纷 with the note. No case number: there is none."""
    from screening.models import Channel, LeadStatus

    referred = lead.status == LeadStatus.REFERRED
    return {
        "lead_only": True,
        "lead_number": lead.number,
        "channel": lead.get_channel_display(),
        "pre_litigation": lead.channel == Channel.COURT,
        "sender": lead.sender or lead.get_channel_display(),
        "sender_reference": lead.sender_reference,
        "found_on": _d(lead.found_on),
        # a court's 诉前 term is found_on + 30 days; a referral's own due date is the receiver's
        "feedback_due": "" if referred else _d(lead.feedback_due) or "",
        "outcome": LEAD_OUTCOMES.get(lead.status, lead.get_status_display())
        + (f"（{lead.get_referral_receiver_display()}）" if referred else ""),
        "receiver": lead.get_referral_receiver_display() if referred else "",
        "closing_reason": lead.referral_reason if referred else lead.outcome_note,
        "closed_on": _d(timezone.localdate()),
    }


def lead_context(doc: Document) -> dict[str, Any]:
    """The context of a lead's own document: the committee, the lead (in place of the case:
    its number, dispute type, place and description) and the people named in it."""
    lead = doc.lead
    assert lead is not None
    return {
        "document": document_header(doc),
        "organization": organization_data(lead.organization),
        "lead": {
            "number": lead.number,
            "dispute_type": f"{lead.dispute_type.name}纠纷" if lead.dispute_type else "矛盾纠纷",
            "region": lead.region.full_name,
            "place": lead.place,
            "reported_on": _d(timezone.localtime(lead.reported_at).date()),
            "people_involved": lead.people_involved,
        },
        "case": {},
        "parties": [
            {"name": p.name, "role": p.role, "role_label": p.get_role_display() if p.role else ""}
            for p in lead.people.all()
        ],
        "record": lead_feedback_data(lead),
    }


def build_context(doc: Document, record: models.Model | None, actor: User | None) -> dict[str, Any]:
    if doc.case is None:
        return lead_context(doc)
    case = doc.case
    case_fields = case_data(case)
    if doc.code in PARTY_CODE_DOCUMENTS:
        case_fields.update(party_code=case.party_code, follow_url=follow_url(case))
    return {
        "document": document_header(doc),
        "organization": organization_data(case.organization),
        "case": case_fields,
        "parties": parties_data(case),
        "record": feedback_data(case)
        if doc.code == "FBK"
        else record_data(doc.code, case, record, actor),
    }
