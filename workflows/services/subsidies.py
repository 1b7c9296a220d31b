"""以案定补 (SPEC §15): tariffs, the quarterly claim of a committee and its steps

    draft ─submit→ submitted ─review→ township_reviewed ─approve→ county_approved
          ─publish→ published (公示 7 days) ─finalize→ final

Who: the committee's director drafts, sets shares and submits; a township supervisor (a
supervisor whose region is a township above the committee) reviews (初审: strike a line or
change its class, each with a reason); a county supervisor approves (复核), publishes and
finalizes; county supervisors set their county's tariff. A claim outside the user's view is
NotFound, the wrong role PermissionDenied, the wrong state InvalidState, a stale `version`
Conflict. Every step writes one ClaimEvent (actor, time, from, to, reason, changes) in the same
transaction; a final claim never changes (here, and in the models' save).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cases import scope
from cases.choices import RegionLevel, Role, Status
from cases.models import Case, Organization, Region
from core.errors import Conflict, InvalidInput, InvalidState, NotFound, PermissionDenied
from county import subsidy
from county.models import (
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    Difficulty,
    LineShare,
    Tariff,
)
from county.register import county_of
from documents.completeness import completeness
from workflows.services.change import full_clean
from workflows.services.inputs import date_or_none

DIRECTOR, TOWNSHIP, COUNTY = "director", "township", "county"
ROLE_LABELS = {DIRECTOR: "调委会主任", TOWNSHIP: "乡镇督导员", COUNTY: "县级督导员"}
FLAG_LABELS = {
    "duplicate": "90日内同一当事人同类纠纷，只计一次",
    "duplicate_released": "同一纠纷原计入的案件已核减，本案改为计入",
    "class_changed": "类别已调整",
    "struck": "已核减",
    "shares_set": "主任已设定分配比例",
}
S = ClaimStatus


class Step(NamedTuple):
    label: str
    source: str
    target: str
    role: str


STEPS: dict[str, Step] = {
    "submit": Step("提交申报", S.DRAFT, S.SUBMITTED, DIRECTOR),
    "review": Step("乡镇初审", S.SUBMITTED, S.TOWNSHIP_REVIEWED, TOWNSHIP),
    "approve": Step("县级复核", S.TOWNSHIP_REVIEWED, S.COUNTY_APPROVED, COUNTY),
    "publish": Step("公示", S.COUNTY_APPROVED, S.PUBLISHED, COUNTY),
    "finalize": Step("定稿", S.PUBLISHED, S.FINAL, COUNTY),
}


# --- who ------------------------------------------------------------------------------------
def claim_roles(user: scope.Viewer, organization: Organization) -> set[str]:
    """The claim roles `user` holds for `organization`'s claims (module docstring)."""
    roles = set()
    path = organization.region.path
    for m in scope.memberships(user):
        if m.role == Role.DIRECTOR and m.organization_id == organization.pk:
            roles.add(DIRECTOR)
        elif m.role == Role.SUPERVISOR and m.region is not None and path.startswith(m.region.path):
            if m.region.level == RegionLevel.TOWNSHIP:
                roles.add(TOWNSHIP)
            elif m.region.level == RegionLevel.COUNTY:
                roles.add(COUNTY)
    return roles


def claims_visible_q(user: scope.Viewer) -> Q:
    """The claims a user sees (a Claim filter): their committees', or those in their region."""
    if scope.is_admin(user):
        return Q()
    return Q(organization__in=Organization.objects.filter(scope.organizations_q(user)))


def _visible_organization(
    user: scope.Viewer, organization: Organization | int | str
) -> Organization:
    pk = organization.pk if isinstance(organization, Organization) else organization
    found = (
        Organization.objects.filter(scope.organizations_q(user), pk=pk)
        .select_related("region")
        .first()
        if str(pk).isdigit()
        else None
    )
    if found is None:
        raise NotFound("调委会不存在。", fields={"organization": ["调委会不存在"]})
    return found


def _need(user: scope.Viewer, organization: Organization, role: str, label: str) -> None:
    if role not in claim_roles(user, organization):
        raise PermissionDenied(f"“{label}”只能由{ROLE_LABELS[role]}办理。")


# --- tariffs ----------------------------------------------------------------------------------
def tariff_set(
    *,
    actor: scope.Viewer,
    region: Region | int | str,
    valid_from: object,
    amounts: Mapping[str, object],
    oral_share: object = "0.5",
    terminated_share: object = "0.3",
) -> Tariff:
    """A county's tariff from `valid_from` (a county supervisor of that county, or an admin)."""
    pk = region.pk if isinstance(region, Region) else region
    county = _region_in_reach(actor, pk)
    if county is None:
        raise NotFound("区域不存在。", fields={"region": ["区域不存在"]})
    if county.level != RegionLevel.COUNTY:
        raise InvalidInput("以案定补标准按县（区）设定。", fields={"region": ["须为县（区）"]})
    if not scope.is_admin(actor) and not any(
        m.role == Role.SUPERVISOR and m.region is not None and county.path.startswith(m.region.path)
        and m.region.level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)
        for m in scope.memberships(actor)
    ):  # fmt: skip
        raise PermissionDenied("以案定补标准只能由县级督导员设定。")
    day = date_or_none(valid_from, "valid_from")
    if day is None:
        raise InvalidInput("请填写起用日期", fields={"valid_from": ["请填写起用日期"]})
    if not isinstance(amounts, Mapping) or set(amounts) != set(Difficulty.values):
        message = "须为一般、较大、疑难复杂、重大四类各填写金额（ordinary, major, complex, grave）"
        raise InvalidInput(message, fields={"amounts": [message]})
    values = {k: _decimal(v, "amounts", "金额") for k, v in amounts.items()}
    shares = {
        "oral_share": _decimal(oral_share, "oral_share", "口头协议比例"),
        "terminated_share": _decimal(terminated_share, "terminated_share", "依法终止比例"),
    }
    for name, value in shares.items():
        if not Decimal("0") <= value <= Decimal("1"):
            raise InvalidInput("比例须在0到1之间，如 0.5", fields={name: ["须在0到1之间"]})
    if any(v < 0 for v in values.values()):
        raise InvalidInput("金额不能为负数", fields={"amounts": ["金额不能为负数"]})
    if Tariff.objects.filter(region=county, valid_from=day).exists():
        message = f"{county.name}已有自{day}起的标准"
        raise InvalidInput(message, fields={"valid_from": [message]})
    tariff = Tariff(
        region=county,
        valid_from=day,
        created_by=actor if isinstance(actor, User) else None,
        **{k: subsidy.money(v) for k, v in values.items()},
        **shares,
    )
    full_clean(tariff, exclude=["created_by"])
    tariff.save()
    return tariff


def _region_in_reach(actor: scope.Viewer, pk: object) -> Region | None:
    """The region if the user sees it or a region below it (a director sees their county)."""
    region = Region.objects.filter(pk=int(str(pk))).first() if str(pk).isdigit() else None
    if region is None or scope.is_admin(actor):
        return region
    visible = Region.objects.filter(scope.visible_regions_q(actor))
    if visible.filter(Q(pk=region.pk) | Q(path__startswith=region.path)).exists():
        return region
    return None


def _decimal(value: object, field: str, label: str) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{label}须为数字", fields={field: [f"{label}须为数字"]}) from None
    if not result.is_finite() or abs(result) >= Decimal("1e7"):
        raise InvalidInput(f"{label}不是有效数字", fields={field: [f"{label}不是有效数字"]})
    return result


def tariff_for(organization: Organization, day: dt.date) -> Tariff | None:
    county = county_of(organization.region)
    if county is None:
        return None
    return Tariff.objects.filter(region=county, valid_from__lte=day).order_by("-valid_from").first()


# --- drafting -------------------------------------------------------------------------------
def claim_draft(
    *, actor: scope.Viewer, organization: Organization | int | str, period: str
) -> Claim:
    """The system's draft of the committee's claim for `period` ("2026-Q4") from its cases
    archived in the quarter; drafting again while it is a draft redraws it."""
    org = _visible_organization(actor, organization)
    _need(actor, org, DIRECTOR, "起草申报")
    parsed = subsidy.parse_period(period)
    if parsed is None:
        raise InvalidInput("季度格式为 2026-Q4", fields={"period": ["季度格式为 2026-Q4"]})
    year, quarter = parsed
    start, end = subsidy.quarter_bounds(year, quarter)
    if start > timezone.localdate():
        raise InvalidInput("季度尚未开始", fields={"period": ["季度尚未开始"]})
    tariff = tariff_for(org, end)
    if tariff is None:
        raise InvalidInput(
            "本县（区）尚未设定以案定补标准，请县级督导员先设定。",
            fields={"period": ["尚未设定以案定补标准"]},
        )
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update()
            .filter(organization=org, year=year, quarter=quarter)
            .first()
        )
        if claim is not None and claim.status != S.DRAFT:
            raise InvalidState(
                f"{claim.period}的申报已{claim.get_status_display()}，不能重新起草。"
            )
        redraw = claim is not None
        if claim is None:
            claim = Claim.objects.create(
                organization=org, year=year, quarter=quarter, tariff=tariff
            )
        else:
            claim.lines.all().delete()
            claim.tariff = tariff
        _fill(claim, start, end)
        _event(claim, "redraft" if redraw else "draft", actor, "" if not redraw else S.DRAFT,
               S.DRAFT, "", {"lines": claim.lines.count(), "total": str(claim.total)})  # fmt: skip
    return claim


def _local_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _fill(claim: Claim, start: dt.date, end: dt.date) -> None:
    lo, hi = _local_range(start, end)
    cases = (
        Case.objects.filter(
            organization=claim.organization, status=Status.ARCHIVED, archived_at__gte=lo,
            archived_at__lt=hi,
        )
        .select_related("organization__region", "dispute_type")
        .prefetch_related("parties", "mediators")
        .order_by("registered_at", "id")
    )  # fmt: skip
    counted: list[tuple[Case, frozenset[str]]] = []
    excluded = []
    for case in cases:
        basis, gaps = subsidy.basis_and_gaps(case, dossier_complete=completeness(case).complete)
        if basis is None:
            excluded.append({"case": case.pk, "number": case.number, "gaps": gaps})
            continue
        difficulty, reasons = subsidy.propose(case)
        key = subsidy.parties_key(case)
        earlier = _earlier_counted(case, key, counted, claim=claim)
        amount = Decimal("0") if earlier else subsidy.base_amount(claim.tariff, difficulty, basis)
        line = ClaimLine.objects.create(
            claim=claim,
            case=case,
            basis=basis,
            proposed_difficulty=difficulty,
            proposal_reasons=reasons,
            difficulty=difficulty,
            flags=["duplicate"] if earlier else [],
            duplicate_of=earlier,
            amount=amount,
        )
        _share_equally(line, list(case.mediators.all()))
        if earlier is None:
            counted.append((case, key))
    claim.excluded = excluded
    _total(claim)


def _earlier_counted(
    case: Case,
    key: frozenset[str],
    counted: Sequence[tuple[Case, frozenset[str]]],
    *,
    claim: Claim,
) -> Case | None:
    """SPEC §15: the same parties with the same dispute type within 90 days count once — the
    case already counted: in this claim (`counted`, the cases counted so far in registration
    order), or counted (not struck, not itself a duplicate) in another claim of the county.
    Another claim's case is matched 90 days either way: a case registered earlier but
    archived in a later quarter is the duplicate of the one already counted."""
    days = dt.timedelta(days=subsidy.DUPLICATE_DAYS)
    since = case.registered_at - days
    for other, other_key in counted:
        if (
            other_key == key
            and other.dispute_type.code == case.dispute_type.code
            and other.registered_at >= since
        ):
            return other
    county = county_of(case.organization.region)
    lines = (
        ClaimLine.objects.filter(
            struck=False,
            duplicate_of=None,
            case__dispute_type__code=case.dispute_type.code,
            case__registered_at__gte=since,
            case__registered_at__lte=case.registered_at + days,
        )
        .exclude(case=case)
        .exclude(claim=claim)
    )
    if county is not None:
        lines = lines.filter(claim__organization__region__path__startswith=county.path)
    ordered = lines.select_related("case").prefetch_related("case__parties")
    for line in ordered.order_by("case__registered_at", "case_id"):
        if subsidy.parties_key(line.case) == key:
            return line.case
    return None


def _share_equally(line: ClaimLine, mediators: Sequence[User]) -> None:
    mediators = sorted(mediators, key=lambda u: u.pk)
    _set_shares(line, list(zip(mediators, subsidy.equal_shares(len(mediators)), strict=True)))


def _set_shares(line: ClaimLine, shares: Sequence[tuple[User, Decimal]]) -> None:
    """The line's shares replaced; in the mediators' id order, so the cent left over by rounding
    always goes to the same one whatever order the database answered them in."""
    shares = sorted(shares, key=lambda pair: pair[0].pk)
    line.shares.all().delete()
    parts = subsidy.split(line.amount, [s for _u, s in shares])
    LineShare.objects.bulk_create(
        LineShare(line=line, mediator=u, share=s, amount=a)
        for (u, s), a in zip(shares, parts, strict=True)
    )


def _total(claim: Claim) -> None:
    total = claim.lines.aggregate(t=Sum("amount"))["t"] or Decimal("0")
    claim.total = subsidy.money(total)
    claim.version += 1
    claim.save()


def _event(
    claim: Claim,
    name: str,
    actor: scope.Viewer,
    source: str,
    target: str,
    reason: str,
    changes: dict[str, Any],
) -> None:
    ClaimEvent.objects.create(
        claim=claim,
        name=name,
        actor=actor if isinstance(actor, User) else None,
        at=timezone.now(),
        from_status=source,
        to_status=target,
        reason=reason,
        changes=changes,
    )


# --- steps ----------------------------------------------------------------------------------
def _locked(claim: Claim, actor: scope.Viewer, version: object) -> Claim:
    if not Claim.objects.filter(claims_visible_q(actor), pk=claim.pk).exists():
        raise NotFound("申报不存在。")
    fresh = (
        Claim.objects.select_for_update().select_related("organization__region").get(pk=claim.pk)
    )
    if version not in (None, "") and str(version) != str(fresh.version):
        raise Conflict("申报已被他人修改，请刷新后重试。")
    return fresh


def claim_transition(
    claim: Claim,
    name: str,
    *,
    actor: scope.Viewer,
    version: object = None,
    reason: str = "",
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Claim:
    """One step of STEPS; `review` takes `lines` ([{id, difficulty?, struck?, reason}])."""
    step = STEPS.get(name)
    if step is None:
        raise NotFound(f"没有名为“{name}”的申报操作。")
    if lines is not None and name != "review":
        raise InvalidInput("只有乡镇初审可以调整明细。", fields={"lines": ["只有初审可以调整"]})
    with transaction.atomic():
        fresh = _locked(claim, actor, version)
        _need(actor, fresh.organization, step.role, step.label)
        if fresh.status != step.source:
            raise InvalidState(
                f"申报当前状态为“{fresh.get_status_display()}”，不能办理“{step.label}”。"
            )
        changes: dict[str, Any] = {}
        if name == "review":
            changes["lines"], recounted = _review(fresh, list(lines or []))
            if recounted:
                changes["recounted"] = recounted
        if name == "finalize" and not subsidy.notice_over(fresh.published_at):
            ends = timezone.localtime(subsidy.notice_ends(fresh.published_at or timezone.now()))
            raise InvalidState(
                f"公示期{subsidy.NOTICE_DAYS}天，至{ends:%Y-%m-%d %H:%M}结束后才能定稿。"
            )
        if name == "publish":
            fresh.published_at = timezone.now()
        fresh.status = step.target
        _total(fresh)
        changes["total"] = str(fresh.total)
        _event(fresh, name, actor, step.source, step.target, reason.strip(), changes)
    claim.refresh_from_db()
    return claim


def _review(
    claim: Claim, edits: list[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The township's edits (each with its reason), then the recount of the split cases of
    every line struck (`_recount`): (the edits as recorded, the lines the recount changed)."""
    by_id = {line.pk: line for line in claim.lines.prefetch_related("shares__mediator")}
    done = []
    struck_now: list[ClaimLine] = []
    for number, edit in enumerate(edits, start=1):
        if not isinstance(edit, Mapping):
            raise InvalidInput(f"第{number}项明细调整格式有误", fields={"lines": ["格式有误"]})
        line = by_id.get(_int(edit.get("id")))
        if line is None:
            raise InvalidInput(f"第{number}项：申报中没有该明细", fields={"lines": ["没有该明细"]})
        why = str(edit.get("reason") or "").strip()
        difficulty = edit.get("difficulty")
        struck = edit.get("struck")
        if not why:
            message = f"案件{line.case.number}：调整须说明理由"
            raise InvalidInput(message, fields={"lines": [message]})
        record: dict[str, Any] = {"line": line.pk, "case": line.case.number, "reason": why}
        if difficulty not in (None, "") and difficulty != line.difficulty:
            if difficulty not in Difficulty.values:
                message = f"案件{line.case.number}：类别须为 ordinary、major、complex 或 grave"
                raise InvalidInput(message, fields={"lines": [message]})
            record["difficulty"] = [line.difficulty, difficulty]
            line.difficulty, line.difficulty_reason = str(difficulty), why
            line.flags = sorted({*line.flags, "class_changed"})
        if struck is True or struck in ("1", "true", "on"):
            record["struck"] = True
            if not line.struck:
                struck_now.append(line)
            line.struck, line.struck_reason = True, why
            line.flags = sorted({*line.flags, "struck"})
        if len(record) == 3:
            message = f"案件{line.case.number}：请调整类别或核减"
            raise InvalidInput(message, fields={"lines": [message]})
        _reprice(claim, line)
        done.append(record)
    return done, _recount(claim, struck_now)


def _recount(claim: Claim, struck: Sequence[ClaimLine]) -> list[dict[str, Any]]:
    """SPEC §15 counts a split case once — once among the lines that are paid. A struck line
    no longer counts (as a struck line of an earlier claim does not, `_earlier_counted`), so
    the lines of the same parties and dispute type as each line struck are counted again in
    registration order, as the draft would have counted them without the struck case: the
    duplicate of a struck case is paid at its class and basis, flagged `duplicate_released`
    (a further duplicate then points to it). The strike is the reviewer's reasoned decision
    on one line; it does not silently take the other line's subsidy with it — to pay neither,
    the reviewer strikes both, each with its reason. Returns what changed, for the event."""
    if not struck:
        return []
    groups: dict[tuple[str, frozenset[str]], list[str]] = {}
    for line in struck:
        group = (line.case.dispute_type.code, subsidy.parties_key(line.case))
        groups.setdefault(group, []).append(line.case.number)
    lines = (
        claim.lines.select_related("case__organization__region", "case__dispute_type",
                                   "duplicate_of")
        .prefetch_related("case__parties", "shares__mediator")
        .order_by("case__registered_at", "case_id")
    )  # fmt: skip
    counted: list[tuple[Case, frozenset[str]]] = []
    changed = []
    for line in lines:
        key = subsidy.parties_key(line.case)
        because = groups.get((line.case.dispute_type.code, key))
        if line.struck or because is None:
            continue
        earlier = _earlier_counted(line.case, key, counted, claim=claim)
        if earlier is None:
            counted.append((line.case, key))
        if (earlier.pk if earlier else None) == line.duplicate_of_id:
            continue
        before = (line.duplicate_of.number if line.duplicate_of else None, str(line.amount))
        flags = set(line.flags)
        if earlier is None:
            flags = (flags - {"duplicate"}) | {"duplicate_released"}
        else:
            flags = (flags - {"duplicate_released"}) | {"duplicate"}
        line.duplicate_of, line.flags = earlier, sorted(flags)
        _reprice(claim, line)
        changed.append(
            {
                "line": line.pk,
                "case": line.case.number,
                "duplicate_of": [before[0], earlier.number if earlier else None],
                "amount": [before[1], str(subsidy.money(line.amount))],
                "because_struck": because,
            }
        )
    return changed


def _reprice(claim: Claim, line: ClaimLine) -> None:
    if line.struck or line.duplicate_of_id:
        line.amount = Decimal("0")
    else:
        line.amount = subsidy.base_amount(claim.tariff, line.difficulty, line.basis)
    line.save()
    shares = [(s.mediator, s.share) for s in line.shares.all()]
    _set_shares(line, shares)


def _int(value: object) -> int:
    """An id as sent (0, which no row has, for anything else)."""
    return int(str(value)) if str(value).isdigit() else 0


def claim_set_shares(
    claim: Claim,
    *,
    actor: scope.Viewer,
    line: ClaimLine | int | str,
    shares: Mapping[int | str, object],
    reason: str = "",
    version: object = None,
) -> ClaimLine:
    """The director's shares of one line between its mediators (fractions summing to 1, or
    percentages summing to 100); equal until set."""
    with transaction.atomic():
        fresh = _locked(claim, actor, version)
        _need(actor, fresh.organization, DIRECTOR, "设定分配比例")
        if fresh.status != S.DRAFT:
            raise InvalidState("只有草稿状态的申报可以设定分配比例。")
        found = fresh.lines.filter(pk=_int(line.pk if isinstance(line, ClaimLine) else line))
        target = found.select_related("case").first()
        if target is None:
            raise InvalidInput("申报中没有该明细", fields={"line": ["没有该明细"]})
        mediators = {u.pk: u for u in target.case.mediators.all()}
        values = {_int(k): _decimal(v, "shares", "比例") for k, v in shares.items()}
        if set(values) != set(mediators):
            message = "须为本案每一位承办调解员设定比例"
            raise InvalidInput(message, fields={"shares": [message]})
        total = sum(values.values(), Decimal("0"))
        if total == 100:
            values = {k: v / 100 for k, v in values.items()}
        elif total != 1:
            raise InvalidInput("比例合计须为1（或100%）", fields={"shares": ["合计须为1"]})
        if any(v < 0 for v in values.values()):
            raise InvalidInput("比例不能为负数", fields={"shares": ["比例不能为负数"]})
        pairs = [(mediators[k], v.quantize(Decimal("0.0001"))) for k, v in values.items()]
        _set_shares(target, pairs)
        target.flags = sorted({*target.flags, "shares_set"})
        target.save()
        _total(fresh)
        _event(fresh, "shares", actor, S.DRAFT, S.DRAFT, reason.strip(),
               {"line": target.pk, "shares": {str(u.pk): str(s) for u, s in pairs}})  # fmt: skip
    return target


# --- reads shared by the pages, the API and the export --------------------------------------
def allowed_steps(user: scope.Viewer, claim: Claim) -> list[str]:
    roles = claim_roles(user, claim.organization)
    steps = [n for n, s in STEPS.items() if s.source == claim.status and s.role in roles]
    if "finalize" in steps and not subsidy.notice_over(claim.published_at):
        steps.remove("finalize")
    return steps


def mediator_totals(claim: Claim) -> list[tuple[User, Decimal]]:
    totals: dict[int, tuple[User, Decimal]] = {}
    for share in LineShare.objects.filter(line__claim=claim).select_related("mediator"):
        user, amount = totals.get(share.mediator_id, (share.mediator, Decimal("0")))
        totals[share.mediator_id] = (user, amount + share.amount)
    return sorted(totals.values(), key=lambda t: (t[0].get_full_name(), t[0].pk))


def flag_labels(line: ClaimLine) -> list[str]:
    labels = []
    for flag in line.flags:
        text = FLAG_LABELS.get(flag, flag)
        if flag == "duplicate" and line.duplicate_of is not None:
            text += f"（与{line.duplicate_of.number}合并）"
        labels.append(text)
    return labels


def published_lines(claim: Claim) -> list[dict[str, Any]]:
    """The 公示 list: each counted line with the party names masked."""
    masked: Callable[[str], str] = subsidy.mask_name
    rows = []
    for line in claim.lines.select_related("case").prefetch_related(
        "case__parties", "shares__mediator"
    ):
        rows.append(
            {
                "number": line.case.number,
                "parties": "、".join(masked(p.name) for p in line.case.parties.all()),
                "difficulty": line.get_difficulty_display(),
                "amount": line.amount,
                "mediators": "、".join(s.mediator.get_full_name() for s in line.shares.all()),
                "flags": flag_labels(line),
            }
        )
    return rows
