"""Running an import: each good row walked to its final state through workflows.services,
all in one transaction; any refused row (or a dry run) rolls the whole file back."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import choices, scope
from cases.choices import Outcome, Role
from cases.models import Case, Membership, Organization
from core.errors import DomainError, PermissionDenied
from core.uploads import limit_for, size_text
from registers.checking import Context, Row, parse_row
from registers.columns import MAX_ROWS, PERSON_FIELDS, WORK_HOUR, cell_text
from registers.reading import FileProblem, ImportResult, RowError, check_header, read_rows
from workflows import services

User = get_user_model()


# --- walking one case to its final state --------------------------------------------------
class Steps:
    """The dates of a row's steps, one minute apart from the last so their order holds."""

    def __init__(self, row: Row, tz):
        self.row, self.tz, self.count = row, tz, 0

    def at(self, *keys: str) -> services.Imported:
        day = next(self.row.get(k) for k in keys if self.row.get(k))  # checked before
        moment = dt.datetime.combine(day, WORK_HOUR, tzinfo=self.tz)
        self.count += 1
        return services.Imported(
            source_row=self.row.number,
            at=moment + dt.timedelta(minutes=self.count),
            original_number=self.row.get("original_number") or "",
        )


def _party(row: Row, role: str, key: str) -> dict:
    data = {"role": role, "name": row.get(key)}
    for name in PERSON_FIELDS:
        if value := row.get(f"{key}_{name}"):
            data[name] = value
    return data


def create_case(row: Row, *, actor, director) -> Case:
    """Through the services, step by step, dated by the register (see module docstring)."""
    s, steps = services, Steps(row, timezone.get_default_timezone())
    outcome, note = row.get("outcome"), f"历史案件导入（原登记簿第{row.number}行）"
    parties = [_party(row, "applicant", "applicant")]
    if row.get("respondent"):
        parties.append(_party(row, "respondent", "respondent"))
    case = s.case_register(
        actor=actor,
        organization=row.ctx.organization,
        region=row.get("region"),
        dispute_type=row.get("dispute_type"),
        source=row.get("source"),
        summary=row.get("summary"),
        requests=row.get("requests") or "",
        amount_involved=row.get("amount_involved"),
        occurred_on=row.get("occurred_on"),
        parties=parties,
        imported=steps.at("registered_on"),
    )
    reason = row.get("closing_reason") or ""
    if outcome == Outcome.DECLINED:
        s.case_transition(
            case,
            "decline",
            actor=actor,
            reason=reason,
            imported=steps.at("outcome_on", "registered_on"),
        )
        return _close(case, row, steps, director, actor)
    mediators = row.get("mediators")
    if mediators:
        s.case_transition(
            case,
            "accept",
            actor=actor,
            mediators=mediators,
            imported=steps.at("accepted_on", "registered_on"),
        )
    when_outcome = ("outcome_on", "accepted_on", "registered_on")
    if outcome == Outcome.WITHDRAWN:
        s.case_transition(
            case,
            "withdraw",
            actor=actor,
            party=row.get("withdrawn_by"),
            reason=reason,
            imported=steps.at(*when_outcome),
        )
        return _close(case, row, steps, director, actor)
    mediator = mediators[0]
    step = steps.at("accepted_on", "registered_on")
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=step.at,
        place="原登记簿未载明",
        interviewee=row.get("applicant"),
        content=f"{note}。纠纷简要情况：{row.get('summary')}",
        imported=step,
    )
    s.case_transition(
        case, "start_mediation", actor=mediator, imported=steps.at("accepted_on", "registered_on")
    )
    if outcome == Outcome.FAILED:
        s.case_transition(
            case, "record_failure", actor=mediator, reason=reason, imported=steps.at(*when_outcome)
        )
        return _close(case, row, steps, director, actor)
    label = choices.Outcome(outcome).label
    step = steps.at(*when_outcome)
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=step.at,
        place="原登记簿未载明",
        attendees="原登记簿未载明",
        content=f"{note}。调解结果：{label}",
        result=label,
        imported=step,
    )
    effective = next(row.get(k) for k in when_outcome if row.get(k))
    s.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind="written" if outcome == Outcome.AGREEMENT_WRITTEN else "oral",
        terms=row.get("terms"),
        performance_method=row.get("performance_method") or "",
        performance_deadline=row.get("performance_deadline"),
        amount=row.get("agreement_amount"),
        # A written agreement in the register is the signed and sealed paper.
        signatures_complete=outcome == Outcome.AGREEMENT_WRITTEN,
        effective_on=effective,
        imported=steps.at(*when_outcome),
    )
    return _close(case, row, steps, director, actor)


def _close(case, row: Row, steps: Steps, director, actor) -> Case:
    s = services
    before_close = ("outcome_on", "accepted_on", "registered_on")
    s.case_transition(
        case, "approve_closure", actor=director, imported=steps.at("closed_on", *before_close)
    )
    if case.status != choices.Status.FOLLOW_UP or not row.get("visited_on"):
        return case
    step = steps.at("visited_on")
    s.record_add(
        case,
        "follow_up",
        actor=row.get("mediators")[0],
        visited_at=step.at,
        method=row.get("visit_method"),
        visitee=row.get("applicant"),
        performance=row.get("performance"),
        satisfaction=row.get("satisfaction"),
        notes=f"历史案件导入（原登记簿第{row.number}行）",
        imported=step,
    )
    s.case_transition(case, "archive", actor=actor, imported=steps.at("archived_on", "visited_on"))
    return case


# --- the run ------------------------------------------------------------------------------
def may_import(user, organization) -> bool:
    """The committee's clerks and director, who register and accept its cases (an admin who is
    neither could not accept them: the import is theirs to do)."""
    return any(
        m.organization_id == organization.pk and m.role in (Role.CLERK, Role.DIRECTOR)
        for m in scope.memberships(user)
    )


def _director(organization, actor):
    if any(
        m.organization_id == organization.pk and m.role == Role.DIRECTOR
        for m in scope.memberships(actor)
    ):
        return actor
    membership = (
        Membership.objects.filter(
            organization=organization, role=Role.DIRECTOR, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


class _Rollback(Exception):
    pass


def import_cases(
    data: bytes,
    *,
    filename: str,
    organization: Organization,
    actor,
    dry_run: bool,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Read, check and (unless `dry_run`) import a register; see the module docstring."""
    if not may_import(actor, organization):
        raise PermissionDenied("只有本调委会的登记员或调委会主任可以导入案件。")
    result = ImportResult(dry_run=dry_run)
    max_bytes = limit_for("import")
    if len(data) > max_bytes:
        result.file_errors.append(f"文件超过 {size_text(max_bytes)}")
        return result
    director = _director(organization, actor)
    if director is None:
        result.file_errors.append(
            "本调委会没有调委会主任账号，无法办理结案审批；请先由系统管理员设置主任。"
        )
        return result
    try:
        lines = read_rows(data, filename)
        header = next(lines, None)
        if header is None or not any(cell_text(c) for c in header[1]):
            result.file_errors.append("文件是空的：第1行应为列名")
            return result
        layout, problems = check_header(header[1])
        if problems:
            result.file_errors.extend(problems)
            return result
        ctx = Context(organization)
        rows: list[Row] = []
        seen: set[str] = set()
        for number, cells in lines:
            # Blank lines count (SPEC §12): a sheet of a million empty rows stops here too.
            if number - header[0] > max_rows:
                result.file_errors.append(
                    f"一次最多导入 {max_rows} 行（空行也计算在内）：请删去多余的空行或分成几个文件"
                    + (
                        "；更大的登记簿可由系统管理员用 import_cases 命令导入"
                        if max_rows < MAX_ROWS
                        else ""
                    )
                )
                return result
            if not any(cell_text(c) for c in cells):
                continue
            rows.append(parse_row(number, cells, layout, ctx, seen))
    except FileProblem as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    if not rows:
        result.file_errors.append("文件中没有案件（第2行起为数据）")
        return result
    result.errors = [RowError(r.number, r.errors) for r in rows if r.errors]
    if result.errors:
        # Walking the good rows through the services would take long and prove little while
        # the file must be corrected anyway; a corrected file gets the services' checks too.
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        create_case(row, actor=actor, director=director)
                except DomainError as exc:
                    row.error(None, _explain(exc))
            result.errors = [RowError(r.number, r.errors) for r in rows if r.errors]
            if dry_run or result.errors:
                raise _Rollback  # nothing stays: a dry run, or a file with a refused row
            result.imported = len(rows)
    except _Rollback:
        pass
    return result


def _explain(exc: DomainError) -> str:
    if exc.missing:
        return "条件未满足：" + "；".join(exc.missing)
    return exc.message
