"""File review rounds (卷宗评查, SPEC §15): a supervisor opens a round over a region subtree and a
period; the sample is drawn with a recorded seed (the same seed draws the same sample); the
system pre-fills 材料齐全 (the completeness check), 文书规范 (the documents' status) and 回访及时
(the first visit against the follow-up deadline); a reviewer (a supervisor over the round's
region) confirms or changes each with a reason and scores the rest; the grade follows the
thresholds; `review_issue_notices` writes each committee's 整改通知 listing every deduction, and
the committee's director answers it. `review_report` is the per-committee result.

Who: supervisors whose region contains the round's (and admins) open and score; the committee
answers its own notice. Outside scope NotFound, the wrong role PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import random
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cases import scope
from cases.choices import AGREEMENT_OUTCOMES, ConfirmationResult, Role, Status
from cases.models import Case, DeadlineSettings, Organization, Region
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.i18n import in_official_language
from core.upsert import increment
from county.models import (
    Aspect,
    Grade,
    NoticeCounter,
    ReviewItem,
    ReviewNotice,
    ReviewRound,
    ReviewSettings,
)
from county.register import county_of
from documents.completeness import completeness
from documents.models import Document
from workflows.services.inputs import date_or_none

log = logging.getLogger(__name__)


def supervises(user: scope.Viewer, region: Region) -> bool:
    return scope.is_admin(user) or any(
        m.role == Role.SUPERVISOR and m.region is not None and region.path.startswith(m.region.path)
        for m in scope.memberships(user)
    )


def rounds_visible_to(user: scope.Viewer) -> list[int]:
    """Round ids the user sees: supervisors over (or under) the round's region, and the
    committees with an item in it."""
    if scope.is_admin(user):
        return list(ReviewRound.objects.values_list("pk", flat=True))
    seen = []
    orgs = {
        m.organization_id
        for m in scope.memberships(user)
        if m.role in (Role.DIRECTOR, Role.CLERK, Role.MEDIATOR)
    }
    supervised = [
        m.region.path for m in scope.memberships(user) if m.role == Role.SUPERVISOR and m.region
    ]
    for r in ReviewRound.objects.select_related("region"):
        if (
            any(r.region.path.startswith(p) or p.startswith(r.region.path) for p in supervised)
            or orgs
            and r.items.filter(organization_id__in=orgs).exists()
        ):
            seen.append(r.pk)
    return seen


def _pct(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput("比例须为数字", fields={field: ["比例须为数字"]}) from None
    if not number.is_finite() or not Decimal("0") <= number <= Decimal("100"):
        raise InvalidInput("比例须在0到100之间", fields={field: ["比例须在0到100之间"]})
    return number


def draw(cases: list[Case], pct: Decimal, seed: str, salt: str) -> list[Case]:
    """ceil(pct %) of `cases`, drawn by `seed`: the same seed and cases give the same draw."""
    ordered = sorted(cases, key=lambda c: c.pk)
    n = math.ceil(len(ordered) * pct / 100)
    return random.Random(f"{seed}:{salt}").sample(ordered, n) if n else []


def review_open(
    *,
    actor: scope.Viewer,
    region: Region | int | str,
    period_from: object,
    period_to: object,
    confirmed_pct: object = "10",
    other_pct: object = "5",
    min_per_committee: int = 1,
    seed: str = "",
) -> ReviewRound:
    pk = region.pk if isinstance(region, Region) else region
    where = Region.objects.filter(pk=int(str(pk))).first() if str(pk).isdigit() else None
    if (
        where is None
        or not Region.objects.filter(scope.visible_regions_q(actor), pk=where.pk).exists()
    ):
        raise NotFound("区域不存在。", fields={"region": ["区域不存在"]})
    if not supervises(actor, where):
        raise PermissionDenied("卷宗评查只能由该区域的督导员组织。")
    start, end = date_or_none(period_from, "from"), date_or_none(period_to, "to")
    if start is None or end is None or start > end:
        raise InvalidInput("请填写评查期间（起止日期）", fields={"from": ["请填写评查期间"]})
    if not 0 <= int(min_per_committee) <= 100:
        raise InvalidInput("每个调委会至少抽取0至100件", fields={"min_per_committee": ["0至100"]})
    conf = ReviewSettings.current()
    seed = (seed or "").strip()[:64] or secrets.token_hex(8)
    with transaction.atomic():
        round_ = ReviewRound.objects.create(
            region=where,
            period_from=start,
            period_to=end,
            confirmed_pct=_pct(confirmed_pct, "confirmed_pct"),
            other_pct=_pct(other_pct, "other_pct"),
            min_per_committee=int(min_per_committee),
            seed=seed,
            maxima=conf.maxima(),
            thresholds={"excellent": conf.excellent_from, "pass": conf.pass_from},
            opened_by=actor if isinstance(actor, User) else None,
        )
        for case in _sample(round_):
            ReviewItem.objects.create(
                round=round_,
                case=case,
                organization=case.organization,
                confirmed=_confirmed(case),
                prefill=prefill(case, round_.maxima),
            )
    return round_


def _confirmed(case: Case) -> bool:
    return case.judicialconfirmations.filter(result=ConfirmationResult.CONFIRMED).exists()


def _sample(round_: ReviewRound) -> list[Case]:
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(round_.period_from, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(round_.period_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    archived = Case.objects.filter(
        organization__region__path__startswith=round_.region.path,
        status=Status.ARCHIVED,
        archived_at__gte=lo,
        archived_at__lt=hi,
    ).select_related("organization")
    by_org: dict[int, list[Case]] = {}
    for case in archived:
        by_org.setdefault(case.organization_id, []).append(case)
    chosen: list[Case] = []
    for org_id in sorted(by_org):
        cases = by_org[org_id]
        confirmed = [c for c in cases if _confirmed(c)]
        others = [c for c in cases if c not in confirmed]
        picked = draw(confirmed, round_.confirmed_pct, round_.seed, f"{org_id}:confirmed")
        picked += draw(others, round_.other_pct, round_.seed, f"{org_id}:other")
        short = round_.min_per_committee - len(picked)
        if short > 0:
            rest = [c for c in cases if c not in picked]
            picked += random.Random(f"{round_.seed}:{org_id}:min").sample(
                sorted(rest, key=lambda c: c.pk), min(short, len(rest))
            )
        chosen += sorted(picked, key=lambda c: c.pk)
    return chosen


def _follow_up_deadline(case: Case) -> dt.date | None:
    conf = DeadlineSettings.current()
    agreement = case.current_agreement
    if agreement and agreement.performance_deadline:
        return agreement.performance_deadline + dt.timedelta(
            days=conf.follow_up_after_performance_days
        )
    if case.closed_at:
        return timezone.localdate(case.closed_at) + dt.timedelta(
            days=conf.follow_up_without_deadline_days
        )
    return None


def prefill(case: Case, maxima: Mapping[str, int]) -> dict[str, list[Any]]:
    """What the system knows, aspect → [score, why]."""
    found: dict[str, list[Any]] = {}
    dossier = completeness(case)
    full = maxima[Aspect.MATERIALS]
    if dossier.complete:
        found[Aspect.MATERIALS] = [full, "卷宗材料齐全"]
    else:
        share = 1 - len(dossier.missing) / max(len(dossier.required), 1)
        found[Aspect.MATERIALS] = [int(full * share), "缺少：" + "、".join(dossier.missing_labels)]
    failed = Document.objects.filter(case=case, superseded_by__isnull=True,
                                     status=Document.Status.FAILED).count()  # fmt: skip
    full = maxima[Aspect.DOCUMENTS]
    found[Aspect.DOCUMENTS] = (
        [full, "文书均已出具"]
        if not failed
        else [max(full - 5 * failed, 0), f"{failed}份文书生成失败"]
    )
    full = maxima[Aspect.FOLLOW_UP]
    needs_visit = case.outcome in AGREEMENT_OUTCOMES
    visit = case.followupvisits.filter(superseded_by=None).order_by("visited_at").first()
    due = _follow_up_deadline(case)
    if not needs_visit:
        found[Aspect.FOLLOW_UP] = [full, "无需回访"]
    elif visit is None:
        found[Aspect.FOLLOW_UP] = [0, "未回访"]
    elif due is not None and timezone.localdate(visit.visited_at) > due:
        found[Aspect.FOLLOW_UP] = [full // 2, f"回访晚于期限{due}"]
    else:
        found[Aspect.FOLLOW_UP] = [full, "按期回访"]
    return found


def grade_for(total: int, thresholds: Mapping[str, int]) -> str:
    if total >= thresholds["excellent"]:
        return Grade.EXCELLENT
    return Grade.PASSED if total >= thresholds["pass"] else Grade.FAILED


def review_score(
    item: ReviewItem,
    *,
    actor: scope.Viewer,
    scores: Mapping[str, object],
    reasons: Mapping[str, str] | None = None,
) -> ReviewItem:
    """Every aspect scored (0 to its maximum); a pre-filled score changed needs a reason."""
    round_ = item.round
    if item.round_id not in rounds_visible_to(actor):
        raise NotFound("评查不存在。")
    if not supervises(actor, round_.region):
        raise PermissionDenied("评分只能由组织评查区域的督导员进行。")
    if ReviewNotice.objects.filter(round=round_, organization=item.organization).exists():
        raise InvalidState("整改通知已下发，评分不能再修改。")
    reasons = dict(reasons or {})
    if set(scores) != set(Aspect.values):
        raise InvalidInput("须为七个方面逐项评分", fields={"scores": ["须为七个方面逐项评分"]})
    clean: dict[str, int] = {}
    for aspect, value in scores.items():
        top = round_.maxima[aspect]
        if not (str(value).isdigit() and 0 <= int(str(value)) <= top):
            message = f"{Aspect(aspect).label}须为0至{top}分"
            raise InvalidInput(message, fields={"scores": [message]})
        clean[aspect] = int(str(value))
        known = item.prefill.get(aspect)
        if (
            known is not None
            and clean[aspect] != known[0]
            and not str(reasons.get(aspect, "")).strip()
        ):
            message = (
                f"{Aspect(aspect).label}：系统预填{known[0]}分，改为{clean[aspect]}分须说明理由"
            )
            raise InvalidInput(message, fields={"reasons": [message]})
    item.scores = clean
    item.reasons = {k: str(v).strip() for k, v in reasons.items() if str(v).strip()}
    item.total = sum(clean.values())
    item.grade = grade_for(item.total, round_.thresholds)
    item.scored_by = actor if isinstance(actor, User) else None
    item.scored_at = timezone.now()
    item.save()
    return item


def review_issue_notices(round_: ReviewRound, *, actor: scope.Viewer) -> list[ReviewNotice]:
    """One 整改通知 per committee of the round, listing every deduction; all items scored first.
    Each is numbered by the issuing county (`issuer_of`) in the same transaction (gap-free) and
    rendered as the RVW PDF after commit. Issuing again keeps the notices already issued (their
    numbers and files; the scores are final once a committee has its notice) and renders again
    those whose PDF is missing (a failed render)."""
    if round_.pk not in rounds_visible_to(actor):
        raise NotFound("评查不存在。")
    if not supervises(actor, round_.region):
        raise PermissionDenied("整改通知只能由组织评查区域的督导员下发。")
    unscored = [i.case.number for i in round_.items.select_related("case") if i.total is None]
    if unscored:
        raise InvalidState("尚有案卷未评分：" + "、".join(unscored))
    issuer = issuer_of(round_)
    notices = []
    with transaction.atomic():
        issued = {n.organization_id: n for n in ReviewNotice.objects.filter(round=round_)}
        for org_id in sorted({i.organization_id for i in round_.items.all()}):
            notice = issued.get(org_id) or _new_notice(round_, org_id, issuer)
            notices.append(notice)
        render = [n.pk for n in notices if not n.file]
        transaction.on_commit(lambda: _render_all(render))
    return notices


def _render_all(ids: list[int]) -> None:
    # On the Celery workers, as the case documents are (in-process when there is no broker).
    from workflows.tasks import render_notice

    for pk in ids:
        render_notice.delay(pk)


NOTICE_NUMBER = "（{year}）{issuer}评查整改字第{seq:04d}号"
NOTICE_TITLE = "卷宗评查整改通知书"


def issuer_of(round_: ReviewRound) -> Region:
    """Who issues a round's notices: the county (县/区) at or above the round's region; a round
    over a city is issued by the city."""
    return county_of(round_.region) or round_.region


def issuer_name(region: Region) -> str:
    return f"{region.name}司法局"


def _deductions(round_: ReviewRound, org_id: int) -> list[dict[str, Any]]:
    found = []
    for item in round_.items.filter(organization_id=org_id).select_related("case"):
        for aspect in Aspect.values:
            score, top = item.scores[aspect], round_.maxima[aspect]
            if score < top:
                why = item.reasons.get(aspect) or (item.prefill.get(aspect) or [0, ""])[1]
                found.append({"case": item.case.number, "aspect": aspect,
                              "label": Aspect(aspect).label, "max": top, "score": score,
                              "deducted": top - score, "reason": why})  # fmt: skip
    return found


def _new_notice(round_: ReviewRound, org_id: int, issuer: Region) -> ReviewNotice:
    now = timezone.now()
    year = timezone.localdate(now).year
    seq = increment(NoticeCounter, region=issuer, year=year)
    return ReviewNotice.objects.create(
        round=round_,
        organization_id=org_id,
        deductions=_deductions(round_, org_id),
        issued_at=now,
        issuer=issuer,
        year=year,
        seq=seq,
        number=NOTICE_NUMBER.format(year=year, issuer=issuer.name, seq=seq),
        answer_by=timezone.localdate(now) + dt.timedelta(days=ReviewSettings.current().answer_days),
    )


def notice_context(notice: ReviewNotice) -> dict[str, Any]:
    """The RVW's data as plain JSON (embedded in the PDF as record.json)."""
    round_ = notice.round
    issuer = notice.issuer or issuer_of(round_)
    issued_on = timezone.localdate(notice.issued_at).isoformat()
    by_case: dict[str, list[dict[str, Any]]] = {}
    for d in notice.deductions:
        by_case.setdefault(d["case"], []).append(d)
    reviewed = round_.items.filter(organization=notice.organization)
    return {
        "document": {
            "code": "RVW",
            "title": NOTICE_TITLE,
            "number": notice.number,
            "issued_at": timezone.localtime(notice.issued_at).isoformat(),
            "issued_on": issued_on,
        },
        "organization": {"name": notice.organization.name},
        "issuer": {"name": issuer_name(issuer), "region": issuer.name},
        "round": {
            "id": round_.pk,
            "region": str(round_.region),
            "period_from": round_.period_from.isoformat(),
            "period_to": round_.period_to.isoformat(),
            "seed": round_.seed,
            "reviewed": reviewed.count(),
            "deducted_cases": len(by_case),
        },
        "cases": [{"number": number, "deductions": rows} for number, rows in by_case.items()],
        "answer_by": notice.answer_by.isoformat() if notice.answer_by else "",
    }


def notice_html(context: dict[str, Any]) -> str:
    from documents import renderer

    issuer = context["issuer"]["name"]
    view = {
        **context,
        "code": "RVW",
        "anchor": "doc",
        "title": context["document"]["title"],
        "issuer_name": issuer,
        "issued_on": renderer.cn_date(context["document"]["issued_on"]),
        "answer_by": renderer.cn_date(context["answer_by"]),
        "period": "至".join(
            renderer.cn_date(context["round"][k]) for k in ("period_from", "period_to")
        ),
        # the round seal of the issuing bureau, as the 督办通知书's (documents/renderer.py)
        "seal": renderer._seal(issuer),
    }
    meta = {
        "title": f"{view['title']} {context['document']['number']}".strip(),
        "author": issuer,
        "issued_at": context["document"]["issued_at"],
    }
    section = render_to_string("documents/rvw.html", view)
    return render_to_string("documents/document.html", {"meta": meta, "section": section})


@in_official_language
def notice_render(pk: int) -> ReviewNotice:
    """Render, hash and store one notice's PDF (after the issuing transaction commits); an
    error is recorded on the notice (issuing again retries), never lost."""
    from documents import renderer

    notice = ReviewNotice.objects.select_related("round__region", "organization", "issuer").get(
        pk=pk
    )
    if notice.file:
        return notice
    try:
        context = notice_context(notice)
        pdf = renderer.render_html(notice_html(context), context).pdf
        with transaction.atomic():
            notice = ReviewNotice.objects.select_for_update().get(pk=pk)
            if notice.file:
                return notice  # rendered by another call first
            notice.file.save(f"{notice.pk}-RVW.pdf", ContentFile(pdf), save=False)
            notice.sha256, notice.error = hashlib.sha256(pdf).hexdigest(), ""
            notice.save(update_fields=["file", "sha256", "error"])
    except Exception as exc:  # noqa: BLE001 - a render error must be recorded, not lost
        log.exception("rendering review notice %s failed", pk)
        ReviewNotice.objects.filter(pk=pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        notice.refresh_from_db()
    return notice


def notice_visible(user: scope.Viewer, round_: ReviewRound, pk: int) -> ReviewNotice:
    """A notice of `round_` as its page shows it: the round's supervisors see every notice, a
    committee its own (NotFound otherwise)."""
    if round_.pk not in rounds_visible_to(user):
        raise NotFound("整改通知不存在。")
    notices = ReviewNotice.objects.filter(round=round_)
    if not supervises(user, round_.region):
        orgs = [
            m.organization_id
            for m in scope.memberships(user)
            if m.role in (Role.DIRECTOR, Role.CLERK, Role.MEDIATOR)
        ]
        notices = notices.filter(organization_id__in=orgs)
    found = notices.select_related("organization").filter(pk=pk).first()
    if found is None:
        raise NotFound("整改通知不存在。")
    return found


def notice_pdf(user: scope.Viewer, round_: ReviewRound, pk: int) -> ReviewNotice:
    """The notice if `user` may download its PDF now (the page's scope); InvalidState while it
    has no file yet."""
    found = notice_visible(user, round_, pk)
    if not found.file:
        raise InvalidState(
            "整改通知书生成失败，请督导员重新下发以重试。"
            if found.error
            else "整改通知书尚未生成，请稍后再试。"
        )
    return found


def review_answer(notice: ReviewNotice, *, actor: scope.Viewer, answer: str) -> ReviewNotice:
    """The committee's answer (整改情况) to its notice: its director."""
    held = {m.role for m in scope.memberships(actor) if m.organization_id == notice.organization_id}
    if not held and not supervises(actor, notice.round.region):
        raise NotFound("整改通知不存在。")
    if Role.DIRECTOR not in held:
        raise PermissionDenied("整改情况由调委会主任答复。")
    if not answer.strip():
        raise InvalidInput("请填写整改情况", fields={"answer": ["请填写整改情况"]})
    notice.answer, notice.answered_at = answer.strip(), timezone.now()
    notice.answered_by = actor if isinstance(actor, User) else None
    notice.save()
    return notice


def review_report(round_: ReviewRound) -> list[dict[str, Any]]:
    """Per committee: cases reviewed, the average, the pass rate (合格 or 优秀)."""
    rows = []
    for org in Organization.objects.filter(pk__in=round_.items.values("organization")).order_by(
        "name"
    ):
        items = [i for i in round_.items.filter(organization=org) if i.total is not None]
        count = len(items)
        average = round(Decimal(sum(i.total or 0 for i in items)) / count, 1) if count else None
        passed = sum(1 for i in items if i.grade in (Grade.EXCELLENT, Grade.PASSED))
        rows.append({
            "organization": {"id": org.pk, "name": org.name},
            "reviewed": count,
            "items": round_.items.filter(organization=org).count(),
            "average": str(average) if average is not None else None,
            "pass_rate": str(round(Decimal(passed) / count, 4)) if count else None,
        })  # fmt: skip
    return rows
