"""The one owner of case state (STYLE habit 1). Every change — from the pages, the API, the
register import, admin actions and commands — runs through `change.change`, which

1. locks the case row and refuses a stale copy (Conflict, "reload");
2. lets the caller check and apply the change — before it, `scope.check_role` has refused a
   case outside scope (NotFound) or the wrong role (PermissionDenied); inside it the state
   (InvalidState) and the guards (PreconditionFailed lists everything missing) are checked;
3. recomputes risk, saves, and in `change.finish` (the tail registration shares) writes
   exactly one CaseEvent, brings the viewflow flow in step and writes notification rows;
4. schedules the stage's documents, which render after commit.

One module per family of writes: `registration`, `transitions`, `actions` (audited actions
and the ACTIONS table), `records`, `leads` and `sweeps` (排查, SPEC §13); `change` is the core, `inputs` parses what callers send.
Reads (which actions a user may take, event names) are in workflows.selectors.
"""

from workflows.services.actions import (
    ACTIONS,
    ActionRule,
    case_escalate,
    case_mark_overdue,
    case_reassess_risk,
    case_reassign,
    case_report_risk,
    case_schedule_session,
    case_supervise,
    party_add,
    party_correct,
)
from workflows.services.change import Imported, next_number, snapshot
from workflows.services.inputs import decimal_or_none, not_future
from workflows.services.judicial import judicial_confirmation_apply
from workflows.services.leads import (
    lead_mark_overdue,
    lead_photo_add,
    lead_report,
    lead_transition,
)
from workflows.services.mediators import mediator_register, mediator_update, training_add
from workflows.services.records import judicial_confirmation_add, record_add
from workflows.services.registration import PARTY_FIELDS, DuplicateRegistration, case_register
from workflows.services.reviews import (
    review_answer,
    review_issue_notices,
    review_open,
    review_score,
)
from workflows.services.subsidies import (
    claim_draft,
    claim_set_shares,
    claim_transition,
    tariff_set,
)
from workflows.services.sweeps import sweep_open, sweep_remind, sweep_report
from workflows.services.transitions import case_transition

__all__ = [
    "ACTIONS",
    "ActionRule",
    "DuplicateRegistration",
    "Imported",
    "PARTY_FIELDS",
    "case_escalate",
    "case_mark_overdue",
    "case_reassess_risk",
    "case_reassign",
    "case_register",
    "case_report_risk",
    "case_schedule_session",
    "case_supervise",
    "case_transition",
    "claim_draft",
    "claim_set_shares",
    "claim_transition",
    "decimal_or_none",
    "judicial_confirmation_add",
    "judicial_confirmation_apply",
    "lead_mark_overdue",
    "lead_photo_add",
    "lead_report",
    "lead_transition",
    "mediator_register",
    "mediator_update",
    "next_number",
    "not_future",
    "party_add",
    "party_correct",
    "record_add",
    "review_answer",
    "review_issue_notices",
    "review_open",
    "review_score",
    "snapshot",
    "tariff_set",
    "sweep_open",
    "sweep_remind",
    "sweep_report",
    "training_add",
]
