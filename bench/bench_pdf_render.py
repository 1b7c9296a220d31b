"""PDF benchmarks (SPEC §5): render speed, the cost of issuing over rendering, the dossier, and a
worker's memory after many documents.

    .venv/bin/python bench/bench_pdf_render.py [--repeat 10] [--docs 200]

Prints ``name: value`` lines. The ones with targets (issue 4):

    pdf.agreement_render_s          2-page agreement, steady state, median of --repeat renders
    pdf.issue_over_render_ratio     issuing an AGR (schedule: number, context; then the task:
                                    template, render, hash, store, DB writes) ÷ rendering the
                                    same HTML alone; median of 2×--repeat paired runs     ≤ 1.15
    pdf.dossier_20_docs_s           a 20-document dossier (卷宗), median of 3              ≤ 3 s
    pdf.worker_rss_mb_after_200     RSS of a fresh process after issuing --docs documents  < 400

Runs against a throwaway SQLite database and media folder in a temporary directory, never the
project's own (any DATABASE_URL, MEDIA_ROOT or CELERY_BROKER_URL in the environment is ignored).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A long case: several investigations, sessions and follow-ups, as archived.
DOSSIER_CODES = [
    "APP", "REG", "NOT", "INV", "INV", "INV", "MED", "MED", "SUP", "EXT",
    "MED", "MED", "AGR", "CLS", "FUV", "FUV", "FUV", "INV", "MED", "FUV",
]  # fmt: skip


def _setup(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("CELERY_BROKER_URL", None)  # issue in-process, right after commit
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def _show(name: str, value: float | int, digits: int = 3) -> None:
    print(f"{name}: {value:.{digits}f}" if isinstance(value, float) else f"{name}: {value}")
    sys.stdout.flush()


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc; getrusage's peak elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the world the issuing path needs ---------------------------------------------------------


def _migrate_and_seed():
    from django.conf import settings
    from django.core.management import call_command

    # Demo users are created here; a fast hasher keeps that out of the timings' way.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    from demo import seed as demo

    demo.seed_reference()


def _case_with_agreement():
    """A case walked to its written agreement through the services (every document issued on
    the way), as the mediator who recorded it."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cases.models import DisputeType, Organization
    from workflows import services as s

    users = {u.username: u for u in get_user_model().objects.all()}
    org = Organization.objects.get(short_code="东村调委")
    case = s.case_register(
        actor=users["clerk"],
        organization=org,
        region=org.region,
        dispute_type=DisputeType.objects.get(code="neighbour"),
        source="application",
        summary="申请人与被申请人系前后院邻居，被申请人翻建院墙时堵塞排水沟，致申请人院内积水。",
        requests="恢复排水沟，赔偿维修费用人民币12000元。",
        amount_involved="12000",
        parties=[
            {"role": "applicant", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "name": "李四", "phone": "13900139000"},
        ],
    )
    mediator = users["mediator"]
    s.case_transition(case, "accept", actor=users["clerk"], mediators=[mediator.pk])
    now = timezone.now()
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=now,
        place="东村3组现场",
        interviewee="孙五（村民小组长）",
        content="了解两家地界及排水沟原状。",
    )
    s.case_transition(case, "start_mediation", actor=mediator)
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=now,
        place="调解室",
        attendees="双方当事人",
        content="释法明理，双方同意协商解决。",
        result="达成一致意见",
    )
    s.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind="written",
        terms=[
            "被申请人于十五日内拆除越界墙基并恢复排水沟。",
            "被申请人赔偿申请人房屋维修费用人民币陆仟元整。",
            "双方今后互谅互让，不得因本纠纷相互滋扰。",
        ],
        performance_method="自行履行，调委会组织验收；赔偿款银行转账一次性支付。",
        performance_deadline=timezone.localdate() + dt.timedelta(days=20),
        amount=6000,
        signatures_complete=True,
    )
    return case, case.current_agreement, mediator


def _issue_agreement(case, agreement, actor):
    """The whole issuing path, as a transition runs it: schedule (context frozen) in the
    transaction, then on commit the task — render, hash, store, mark issued, supersede."""
    from django.db import transaction

    from documents.services import documents_schedule

    with transaction.atomic():
        (doc,) = documents_schedule(case, [("AGR", agreement)], actor=actor)
    doc.refresh_from_db()
    if doc.status != "issued":
        raise SystemExit(f"issuing failed: {doc.error}")
    return doc


def issue_over_render(pairs: int):
    """Issue, then render the issued document's HTML alone, ``pairs`` times. The ratio is the
    median of each pair's ratio: both halves of a pair run under the same machine load, which a
    ratio of overall medians would not guarantee on a shared machine. The CPU-time ratio is
    printed too: on a busy machine the issuing path's waits (fsync, file write) cost it its time
    slice, which inflates the wall-clock ratio but not the CPU one."""
    from documents import renderer

    case, agreement, mediator = _case_with_agreement()
    issue_times, render_times, ratios, cpu_ratios = [], [], [], []
    for _ in range(pairs):
        cpu = time.process_time()
        took, doc = _timed(_issue_agreement, case, agreement, mediator)
        issue_cpu = time.process_time() - cpu
        html = renderer.document_html("AGR", doc.context)
        cpu = time.process_time()
        raw = _timed(renderer.render_html, html, doc.context)[0]
        raw_cpu = time.process_time() - cpu
        issue_times.append(took)
        render_times.append(raw)
        ratios.append(took / raw)
        cpu_ratios.append(issue_cpu / raw_cpu)
    _show("pdf.issue_s", statistics.median(issue_times))
    _show("pdf.issue_raw_render_s", statistics.median(render_times))
    _show("pdf.issue_over_render_ratio", statistics.median(ratios))
    _show("pdf.issue_over_render_cpu_ratio", statistics.median(cpu_ratios))
    return case


def signing_cost(repeat: int, pdf: bytes) -> None:
    from documents.signing import sign_pdf
    from tests.documents.certificates import PASSPHRASE, make_certificate

    _cert, p12 = make_certificate()
    sign_pdf(pdf, certificate=p12, passphrase=PASSPHRASE)  # imports pyHanko
    times = [
        _timed(sign_pdf, pdf, certificate=p12, passphrase=PASSPHRASE)[0] for _ in range(repeat)
    ]
    _show("pdf.sign_agreement_s", statistics.median(times))


# --- a worker's memory ------------------------------------------------------------------------


def worker_child(case_pk: int, count: int) -> None:
    """Run in a fresh process: issue ``count`` documents of every code through document_issue,
    as a worker would, then report this process's memory."""
    from documents.models import Document
    from documents.renderer import CODES
    from documents.services import document_issue
    from tests.documents.samples import sample_context

    for index in range(count):
        code = CODES[index % len(CODES)]
        context = sample_context(code)
        doc = Document.objects.create(
            case_id=case_pk, code=code, slot=f"bench{index}", number="-", context=context
        )
        if document_issue(doc.pk).status != "issued":
            raise SystemExit(f"document {doc.pk} ({code}) failed")
    print(f"rss_mb: {_status_mb('VmRSS'):.0f}")
    print(f"peak_rss_mb: {_status_mb('VmHWM'):.0f}")


def worker_rss(case_pk: int, count: int) -> None:
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--worker-child", str(case_pk), "--docs", str(count)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"worker child failed:\n{child.stderr[-3000:]}")
    values = dict(line.split(": ") for line in child.stdout.splitlines() if ": " in line)
    _show(f"pdf.worker_rss_mb_after_{count}", float(values["rss_mb"]), 0)
    _show(f"pdf.worker_peak_rss_mb_{count}", float(values["peak_rss_mb"]), 0)
    _show(f"pdf.worker_{count}_docs_s", time.perf_counter() - started, 1)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--docs", type=int, default=200, help="documents for the memory run")
    parser.add_argument("--worker-child", type=int, metavar="CASE", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker_child is not None:  # inherits the parent's environment (database, media)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        worker_child(args.worker_child, args.docs)
        return

    with tempfile.TemporaryDirectory(prefix="tiaojie-bench-") as workdir:
        _setup(Path(workdir))
        from documents.renderer import render_document, render_dossier
        from tests.documents.samples import sample_context, sample_dossier

        agreement = sample_context("AGR")
        first, result = _timed(render_document, "AGR", agreement)
        steady = [_timed(render_document, "AGR", agreement)[0] for _ in range(args.repeat)]
        median = statistics.median(steady)
        _show("pdf.agreement_first_render_s", first)
        _show("pdf.agreement_render_s", median)
        _show("pdf.agreement_render_max_s", max(steady))
        _show("pdf.agreement_pages", result.pages)
        _show("pdf.agreement_kb", len(result.pdf) // 1024)
        _show("pdf.first_over_steady_ratio", first / median, 2)

        dossier = sample_context("DOS")
        dossier["dossier"] = sample_dossier(DOSSIER_CODES)
        runs = [_timed(render_dossier, dossier) for _ in range(3)]
        bundle = runs[0][1]
        _show(f"pdf.dossier_{len(DOSSIER_CODES)}_docs_s", statistics.median(t for t, _ in runs))
        _show(f"pdf.dossier_{len(DOSSIER_CODES)}_docs_pages", bundle.pages)
        _show(f"pdf.dossier_{len(DOSSIER_CODES)}_docs_kb", len(bundle.pdf) // 1024)

        signing_cost(args.repeat, result.pdf)

        _migrate_and_seed()
        case = issue_over_render(2 * args.repeat)
        _show("pdf.bench_process_peak_rss_mb", _status_mb("VmHWM"), 0)
        worker_rss(case.pk, args.docs)


if __name__ == "__main__":
    main()
