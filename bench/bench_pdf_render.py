"""Raw PDF rendering speed: one agreement (first and steady state) and a 20-document dossier.

    .venv/bin/python bench/bench_pdf_render.py [--repeat 10]

Prints times and the ratios that matter when sizing workers: steady state against the first
render of a process, and the dossier's cost per page against a single document's.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A long case: several investigations, sessions and follow-ups, as archived.
DOSSIER_CODES = [
    "APP", "REG", "NOT", "INV", "INV", "INV", "MED", "MED", "SUP", "EXT",
    "MED", "MED", "AGR", "CLS", "FUV", "FUV", "FUV", "INV", "MED", "FUV",
]  # fmt: skip


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    _setup()
    from documents.renderer import render_document, render_dossier
    from tests.documents.samples import sample_context, sample_dossier

    agreement = sample_context("AGR")
    first, result = _timed(render_document, "AGR", agreement)
    steady = [_timed(render_document, "AGR", agreement)[0] for _ in range(args.repeat)]
    mean = statistics.mean(steady)
    size = len(result.pdf) // 1024
    print(f"AGR first render     {first:6.3f} s  ({result.pages} pages, {size} KB)")
    print(
        f"AGR steady state     {mean:6.3f} s  mean of {args.repeat}"
        f" (median {statistics.median(steady):.3f}, max {max(steady):.3f})"
    )

    dossier = sample_context("DOS")
    dossier["dossier"] = sample_dossier(DOSSIER_CODES)
    took, bundle = _timed(render_dossier, dossier)
    print(
        f"DOS {len(DOSSIER_CODES)} documents     {took:6.3f} s  ({bundle.pages} pages,"
        f" {len(bundle.pdf) // 1024} KB)"
    )
    print(f"ratio first/steady   {first / mean:6.2f}")
    print(f"ratio per page DOS/AGR {(took / bundle.pages) / (mean / result.pages):4.2f}")
    print(f"peak RSS             {_rss_mb():6.0f} MB")


if __name__ == "__main__":
    main()
