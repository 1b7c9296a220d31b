"""docs/SECURITY.md lists every URL the application serves with what each role gets: a URL
name missing from it fails here, so no page or endpoint lands without its row."""

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

TABLE = (Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md").read_text()
OUTSIDE = ("admin/", "accounts/")  # Django's admin and viewflow's login pages, named as a whole


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith(OUTSIDE):
                continue
            yield from _names(
                p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else "")
            )
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name


def test_every_url_name_has_its_row():
    listed = set(re.findall(r"`([\w:-]+)`", TABLE))
    expanded = set(listed)
    for name in listed:  # "supervision:statistics (+ `-xlsx`, `-pdf`)" style rows
        base = name.split(":")[0]
        expanded |= {f"{base}:{suffix.lstrip('-')}" for suffix in listed if suffix.startswith("-")}
    rows = "\n".join(line for line in TABLE.splitlines() if line.startswith("| `"))
    for line in rows.splitlines():
        first = line.split("|")[1]
        names = re.findall(r"`([\w:-]+)`", first)
        for suffix in (n for n in names if n.startswith("-")):
            expanded.add(names[0] + suffix)
    missing = sorted(set(_names(get_resolver().url_patterns)) - expanded)
    assert missing == [], f"add these to docs/SECURITY.md: {missing}"
