"""docs/SECURITY.md's URL × role tables, asserted: every URL pattern the resolver serves has its
row, and every cell of every row is one request made as that column's user, answered with the
cell's status (SPEC §12, last bullet).

How it works:
- The tables are parsed from the doc (`parse_tables`): the first column names the URL pattern(s)
  and an optional `[variant]`, the role columns hold cells in the grammar the doc's introduction
  describes ("GET 200 · POST 403 free text").
- The URL patterns come from `get_resolver()`, walking every include (`url_patterns`); the
  /admin/ subtree is left out of "needs a row" as a whole (SKIPPED, with its reason) and tested
  through its `admin:index` row.
- One world for the whole module (`world`): the 东村 committee in 青山县 with its clerk, mediator,
  director and the 青山县 supervisor; the outsider clerk of 西村 in 白水县; a case in each state
  the requests need, issued documents with their PDFs, a failed one. Built once inside a
  transaction that is rolled back at the end; each test runs in a savepoint of it (the `db`
  fixture), so a request that changes something changes nothing for the next one.
- A URL with parameters (or without a name) needs a recipe in RECIPES: how to build its
  kwargs, method and body from the world. A row or URL without one fails with what to add.

For a new URL: add its row to docs/SECURITY.md; if its path has parameters, add its recipe to
RECIPES. For a new role (a new column in the tables): add its user to ROLE_USERS, made in
`build_world`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.county.security import county_recipes
from tests.factories import walk_to
from tests.portal.security import add_portal, party_client_setup, portal_recipes

DOC = Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md"

# --- the doc's grammar --------------------------------------------------------------------
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ANSWERS = (
    "200",
    "201",
    "202",
    "204",
    "302",
    "login",
    "400",
    "401",
    "403",
    "404",
    "405",
    "409",
    "—",
)
CLAUSE = re.compile(
    r"^(?:(?P<method>" + "|".join(METHODS) + r")\s+)?"
    r"(?P<answer>" + "|".join(ANSWERS) + r")(?!\w)\s*(?P<note>.*)$"
)
SEPARATOR = " · "
STATUS_IN_NOTE = re.compile(r"(?<!\w)(?:20[0124]|302|40[01345])(?!\w)")
NAME = re.compile(r"`([\w:.\-]+)`")
VARIANT = re.compile(r"\[([^\]]+)\]")

# Under /api/ `login` means 401, except for these HTML pages (a redirect to the login page).
HTML_UNDER_API = {"api:docs"}

# URL prefixes left out of "every URL has a row", each with its reason.
SKIPPED = {
    "admin/": "Django's admin: every page is behind AdminSite.admin_view (staff only, "
    "redirect to the admin's own login otherwise); its `admin:index` row is tested",
}


@dataclasses.dataclass(frozen=True)
class Cell:
    method: str | None  # None: the recipe's method
    answer: str
    note: str


@dataclasses.dataclass
class Row:
    names: list[str]
    variant: str | None
    cells: dict[str, list[Cell]]  # role column -> clauses
    line: int
    errors: list[str]

    @property
    def label(self) -> str:
        return ", ".join(self.names) + (f" [{self.variant}]" if self.variant else "")


def parse_cell(text: str) -> list[Cell] | str:
    """The clauses of one cell, or the reason it does not parse."""
    clauses = []
    for part in text.split(SEPARATOR):
        match = CLAUSE.match(part.strip())
        if match is None:
            return f"{text!r}: each ' · '-separated part must start with [METHOD] ANSWER"
        if STATUS_IN_NOTE.search(match["note"]):
            return f"{text!r}: a second answer in the free text; write it as its own clause"
        clauses.append(Cell(match["method"], match["answer"], match["note"]))
    return clauses


def _split(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_tables(text: str) -> tuple[list[Row], list[list[str]]]:
    """Every row of every table whose first header is "URL name", and each table's roles."""
    rows: list[Row] = []
    headers: list[list[str]] = []
    roles: list[str] | None = None
    first = last = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            roles = None
            continue
        cells = _split(line)
        if cells[0] == "URL name":
            last = cells.index("tests") if "tests" in cells else len(cells)
            first = 2  # URL name, path
            roles = cells[first:last]
            headers.append(roles)
            continue
        if roles is None or set(line.replace("|", "").strip()) <= {"-", ":", " "}:
            continue
        names, errors, base = [], [], ""
        for name in NAME.findall(cells[0]):
            if name.startswith("-"):  # "`supervision:statistics` (+ `-xlsx`)"
                names.append(base + name)
            else:
                names.append(base := name)
        variant = VARIANT.search(cells[0])
        if len(cells) < last:
            errors.append(f"{len(cells)} cells, the header has {last}")
        parsed: dict[str, list[Cell]] = {}
        for role, cell in zip(roles, cells[first:last], strict=False):
            result = parse_cell(cell)
            if isinstance(result, str):
                errors.append(f"{role}: {result}")
            else:
                parsed[role] = result
        rows.append(Row(names, variant[1] if variant else None, parsed, number, errors))
    return rows, headers


ROWS, HEADERS = parse_tables(DOC.read_text())


# --- the URL configuration ----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Url:
    key: str  # "namespace:name", or the view's dotted path for an unnamed pattern
    route: str
    has_params: bool
    named: bool


def _view_path(pattern: URLPattern) -> str:
    view = getattr(pattern.callback, "view_class", pattern.callback)
    return f"{view.__module__}.{view.__qualname__}"


def _params(pattern) -> bool:
    return bool(getattr(pattern.pattern, "converters", None)) or bool(pattern.pattern.regex.groups)


def walk(patterns=None, namespace="", prefix="", params=False, skipped=False):
    """(Url, skipped reason or "") for every pattern, through every include."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        reason = skipped or next((r for s, r in SKIPPED.items() if route.startswith(s)), "")
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from walk(p.url_patterns, ns, route, params or _params(p), reason)
        elif isinstance(p, URLPattern):
            key = namespace + p.name if p.name else _view_path(p)
            yield Url(key, route, params or _params(p), bool(p.name)), reason


URLS = list(walk())
SERVED = {u.key: u for u, reason in URLS if not reason}
ALL_KEYS = {u.key: u for u, _reason in URLS}


# --- the people ---------------------------------------------------------------------------
# Column → username (None: not logged in). A new role column needs its user here and in
# build_world (e.g. "grid worker" with the 排查 issue, "party" with the party portal).
ROLE_USERS: dict[str, str | None] = {
    "anon": None,
    "clerk": "clerk",
    "mediator": "mediator",
    "director": "director",
    "supervisor": "supervisor",
    "grid worker": "grid",
    "township": "supervisor_town",  # 东镇's supervisor (demo/county.py): 以案定补's 初审
    "outsider": "clerk_b",
    "party": "party",  # not a user: the party session of tests/portal/security.py
}


# --- recipes ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Recipe:
    kwargs: dict = dataclasses.field(default_factory=dict)
    method: str = "GET"
    data: dict | None = None  # the body of a POST/PUT/PATCH: a form, or JSON under /api/
    query: dict | None = None
    path: str | None = None  # for an unnamed pattern (no reverse())


def _accept(w) -> dict:
    return {"version": w.intake.version, "mediators": [w.users["mediator"].pk]}


def _moment() -> str:
    return timezone.now().isoformat()


QINGSHAN = "region=青山县"

# Key: "namespace:name", or "namespace:name [variant]" for a row with a variant.
RECIPES: dict[str, Callable[[SimpleNamespace], Recipe]] = {
    # --- pages ---
    "cases:detail": lambda w: Recipe({"pk": w.case.pk}),
    "cases:act [accept]": lambda w: Recipe({"pk": w.intake.pk, "name": "accept"}, data=_accept(w)),
    "cases:act [judicial_apply]": lambda w: Recipe(
        {"pk": w.follow_up.pk, "name": "judicial_apply"},
        data={"version": w.follow_up.version},
    ),
    "cases:act [supervise]": lambda w: Recipe(
        {"pk": w.case.pk, "name": "supervise"},
        data={"version": w.case.version, "content": "请于五日内反馈办理进度"},
    ),
    "cases:document-pdf": lambda w: Recipe({"pk": w.document.pk}),
    "cases:photo": lambda w: Recipe({"pk": w.photo.pk}),
    "cases:photo-thumb": lambda w: Recipe({"pk": w.photo.pk}),
    "cases:document-retry": lambda w: Recipe({"pk": w.failed.pk}, method="POST", data={}),
    "cases:import": lambda w: Recipe({"organization": w.east.pk}),
    "workflows:task [受理]": lambda w: Recipe({"pk": w.intake_task.pk}),
    "workflows:task [调查]": lambda w: Recipe({"pk": w.case_task.pk}),
    "workflows:notifications-read": lambda w: Recipe(method="POST", data={}),
    "supervision:supervise": lambda w: Recipe(
        {"pk": w.case.pk}, method="POST", data={"kind": "overdue"}
    ),
    "verify": lambda w: Recipe({"token": w.document.token}),
    "set_language": lambda w: Recipe(method="POST", data={"language": "en", "next": "/"}),
    "logout": lambda w: Recipe(method="POST", data={}),
    # --- API ---
    "api:token": lambda w: Recipe(
        method="POST", data={"username": "clerk", "password": w.password}
    ),
    "api:token-detail": lambda w: Recipe({"pk": w.clerk_token.public_id}, method="DELETE"),
    "api:organization-members": lambda w: Recipe({"pk": w.east.pk}),
    "api:cases": lambda w: Recipe(
        data={
            "organization": w.east.pk,
            "region": w.east_village.pk,
            "dispute_type": "neighbour",
            "source": "application",
            "summary": "两家因排水沟发生争执",
            "parties": [
                {"role": "applicant", "kind": "person", "name": "王大明"},
                {"role": "respondent", "kind": "person", "name": "李小红"},
            ],
        }
    ),
    "api:case": lambda w: Recipe({"pk": w.case.pk}),
    "api:case-transition": lambda w: Recipe(
        {"pk": w.intake.pk, "name": "accept"},
        method="POST",
        data={"mediators": [w.users["mediator"].pk]},
    ),
    "api:case-investigations": lambda w: Recipe(
        {"pk": w.case.pk},
        method="POST",
        data={
            "conducted_at": _moment(),
            "place": "村委会",
            "interviewee": "王大明",
            "content": "了解",
        },
    ),
    "api:case-sessions": lambda w: Recipe(
        {"pk": w.mediation.pk},
        method="POST",
        data={"held_at": _moment(), "place": "调解室", "attendees": "双方", "content": "陈述"},
    ),
    "api:case-follow-ups": lambda w: Recipe(
        {"pk": w.follow_up.pk},
        method="POST",
        data={
            "visited_at": _moment(),
            "method": "phone",
            "visitee": "王大明",
            "performance": "performed",
            "satisfaction": "satisfied",
        },
    ),
    "api:case-judicial-confirmation": lambda w: Recipe(
        {"pk": w.follow_up.pk}, method="POST", data={}
    ),
    "api:case-judicial-confirmation [result]": lambda w: Recipe(
        {"pk": w.applied.pk},
        method="PATCH",
        data={"result": "rejected", "result_on": timezone.localdate().isoformat()},
    ),
    "api:case-documents": lambda w: Recipe({"pk": w.case.pk}),
    "api:case-events": lambda w: Recipe({"pk": w.case.pk}),
    "api:document-pdf": lambda w: Recipe({"pk": w.document.pk}),
    "api:verify": lambda w: Recipe({"token": w.document.token}),
    "api.views.NotFoundView": lambda w: Recipe(path="/api/v1/no-such-endpoint/"),
    # --- 排查 (SPEC §13): the world's lead, photo and sweep (tests/screening/security.py) ---
    "screening:lead": lambda w: Recipe({"pk": w.lead.pk}),
    "screening:act [to_case]": lambda w: Recipe(
        {"pk": w.lead.pk, "name": "to_case"}, data={"version": w.lead.version}
    ),
    "screening:photo": lambda w: Recipe({"pk": w.lead_photo.pk}),
    "screening:photo-thumb": lambda w: Recipe({"pk": w.lead_photo.pk}),
    "screening:sweeps": lambda w: Recipe(data=w.sweep_body),
    "screening:sweep": lambda w: Recipe({"pk": w.sweep.pk}),
    "screening:sweep-report": lambda w: Recipe(
        {"pk": w.sweep.pk}, method="POST", data={"region": w.east_village.pk, "zero": "on"}
    ),
    "api:leads": lambda w: Recipe(data=w.lead_body),
    "api:lead": lambda w: Recipe({"pk": w.lead.pk}),
    "api:lead-transition [to_case]": lambda w: Recipe(
        {"pk": w.lead.pk, "name": "to_case"}, method="POST", data={}
    ),
    "api:lead-photos": lambda w: Recipe({"pk": w.lead.pk}),
    # a lead's own document: the FBK of the court-referred lead resolved on site (no case)
    "cases:document-pdf [lead FBK]": lambda w: Recipe({"pk": w.lead_fbk.pk}),
    "api:document-pdf [lead FBK]": lambda w: Recipe({"pk": w.lead_fbk.pk}),
    "verify [lead FBK]": lambda w: Recipe({"token": w.lead_fbk.token}),
    "api:verify [lead FBK]": lambda w: Recipe({"token": w.lead_fbk.token}),
    "api:sweeps": lambda w: Recipe(data=w.sweep_body),
    "api:sweep": lambda w: Recipe({"pk": w.sweep.pk}),
    "api:sweep-reports": lambda w: Recipe(
        {"pk": w.sweep.pk}, method="POST", data={"region": w.east_village.pk, "zero": True}
    ),
}
# 调解员名册 and 以案定补 (SPEC §15): the world's register entry and claim (tests/county/security.py)
RECIPES.update(county_recipes(Recipe))
RECIPES.update(portal_recipes(Recipe))  # 当事人端 (tests/portal/security.py)
# The supervision pages and the API's figures for a region above the user's own (青山县).
for _name in (
    "supervision:dashboard",
    "supervision:statistics",
    "supervision:statistics-xlsx",
    "supervision:statistics-pdf",
    "supervision:ranking",
    "supervision:audit",
    "supervision:audit-csv",
    "api:stats-summary",
    "screening:stats",
    "screening:stats-xlsx",
    "screening:stats-pdf",
    "api:stats-screening",
):
    RECIPES[f"{_name} [{QINGSHAN}]"] = lambda w: Recipe(query={"region": w.qingshan.pk})


def recipe_key(name: str, variant: str | None) -> str:
    return f"{name} [{variant}]" if variant else name


def needs_recipe(name: str) -> bool:
    url = ALL_KEYS.get(name)
    return url is not None and (url.has_params or not url.named)


# --- the world ----------------------------------------------------------------------------
def _party(role: str, n: int) -> dict:
    from tests.factories import party

    return party(role, n)


def _evidence_photo(case, mediator):
    """An investigation record with one evidence photo (issue 14)."""
    import io

    from PIL import Image

    from core import images
    from workflows import services as s

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=timezone.now(),
        place="现场",
        interviewee="当事人",
        content="拍照取证",
        photos=[images.clean_photo(out.getvalue())],
    )
    return case.photos.get()


def build_world() -> SimpleNamespace:
    from django.contrib.auth import get_user_model

    from cases.models import Organization, Region
    from demo import seed as demo
    from documents import renderer
    from documents.models import Document
    from workflows import flows
    from workflows import services as s

    demo.seed_reference()
    users = {u.username: u for u in get_user_model().objects.all()}
    east = Organization.objects.get(short_code="东村调委")
    east_village = Region.objects.get(name="东村")
    w = SimpleNamespace(
        users=users,
        password=demo.PASSWORD,
        east=east,
        east_village=east_village,
        qingshan=Region.objects.get(name="青山县"),
    )
    from cases.models import DisputeType

    neighbour = DisputeType.objects.get(code="neighbour", taxonomy__is_current=True)
    clerk, mediator, director = users["clerk"], users["mediator"], users["director"]

    def register(n: int):
        return s.case_register(
            actor=clerk,
            organization=east,
            region=east_village,
            dispute_type=neighbour,
            source="application",
            summary="邻里因排水沟堵塞发生纠纷",
            requests="恢复排水沟",
            amount_involved="12000",
            parties=[_party("applicant", 2 * n), _party("respondent", 2 * n + 1)],
        )

    def walk(case, stage):
        return walk_to(case, stage, clerk=clerk, mediator=mediator, director=director)

    with TestCase.captureOnCommitCallbacks(execute=True):
        w.intake = register(1)  # 待受理
        w.case = walk(register(2), "investigated")  # 调查, the mediator assigned
        w.mediation = walk(register(3), "mediation")
        w.follow_up = walk(register(4), "follow_up")
        w.applied = walk(register(6), "follow_up")  # its 司法确认 application awaits the court
    good = renderer.render_document

    def broken(code, context):
        raise RuntimeError("字体缺失")

    renderer.render_document = broken
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            w.failing = register(5)
    finally:
        renderer.render_document = good
    for case in (w.intake, w.case, w.mediation, w.follow_up, w.failing, w.applied):
        case.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        s.judicial_confirmation_apply(w.applied, actor=clerk)
    w.applied.refresh_from_db()
    w.document = Document.objects.get(case=w.case, code="APP")
    w.failed = Document.objects.get(case=w.failing, code="APP")
    w.photo = _evidence_photo(w.case, w.users["mediator"])
    assert w.document.status == "issued" and w.document.file, w.document.status
    assert w.failed.status == "failed", w.failed.status
    try:  # the user's own API tokens (SPEC §12)
        from accounts import tokens

        w.clerk_token, _secret = tokens.issue(clerk, device="安全表测试")
    except ImportError:  # pragma: no cover - accounts.tokens not there: its recipe fails
        w.clerk_token = None
    from tests.screening.security import add_screening

    add_screening(w)  # 排查: the grid worker's lead with a photo, a sweep over 青山县
    from tests.county.security import add_county

    add_county(w)  # the register entry of 孙调解, a draft claim of 东村调委
    add_portal(w)  # the party of the 调解 case: its session, its token, its case's NOT
    w.intake_task = flows.open_task(w.intake)
    w.case_task = flows.open_task(w.case)
    assert w.intake_task and w.case_task
    return w


def _fake_render(code, context):
    from documents import renderer

    body = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str).encode()
    pdf = b"%PDF-1.7\n% fake for tests\n" + hashlib.sha256(body).hexdigest().encode()
    return renderer.RenderResult(pdf=pdf, pages=1, missing_glyphs=False)


# tests/conftest.py's per-test MEDIA_ROOT and renderer would hide the module's world: replaced.
@pytest.fixture
def _settings():
    return None


@pytest.fixture
def fast_renderer():
    return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from documents import renderer

    media = tmp_path_factory.mktemp("security-table-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # not a security setting
    with (
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers),
        pytest.MonkeyPatch.context() as mp,
        django_db_blocker.unblock(),
    ):
        mp.setattr(renderer, "render_document", _fake_render)
        mp.setattr(renderer, "render_dossier", lambda context: _fake_render("DOS", context))
        # the statistics PDF: its template is rendered, WeasyPrint is not (1-3 s a request)
        mp.setattr(renderer, "render_html", lambda html, context: _fake_render("STA", context))
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            # One session per role for the module (a test's changes to it are rolled back).
            w.sessions = {}
            for role, username in ROLE_USERS.items():
                if username and username in w.users:
                    client = Client()
                    client.force_login(w.users[username])
                    w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            w.sessions["party"] = w.party_session
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the checks ---------------------------------------------------------------------------
def _rows_by_name() -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    for row in ROWS:
        for name in row.names:
            found.setdefault(name, []).append(row)
    return found


def test_the_grammar():
    assert parse_cell("GET 200 · POST 403 (not assigned)") == [
        Cell("GET", "200", ""),
        Cell("POST", "403", "(not assigned)"),
    ]
    assert parse_cell("200, or 503 when a check fails") == [
        Cell(None, "200", ", or 503 when a check fails")
    ]
    assert parse_cell("login") == [Cell(None, "login", "")]
    assert isinstance(parse_cell("200 / 403"), str)  # a second answer hidden in the text
    assert isinstance(parse_cell("per action"), str)
    assert isinstance(parse_cell("2000"), str)
    rows, headers = parse_tables(
        "| URL name | path | anon | grid worker | tests |\n|---|---|---|---|---|\n"
        "| `a:b` (+ `-csv`), `c` [v=1] | /x/ | login | GET 200 · POST 201 | t |\n"
    )
    assert headers == [["anon", "grid worker"]]
    assert rows[0].names == ["a:b", "a:b-csv", "c"] and rows[0].variant == "v=1"
    assert rows[0].cells["grid worker"] == [Cell("GET", "200", ""), Cell("POST", "201", "")]


def test_the_doc_has_its_tables():
    assert len(HEADERS) >= 2 and len(ROWS) > 30, "docs/SECURITY.md: the URL × role tables"


def test_every_cell_parses():
    bad = [f"line {r.line} ({r.label}): {e}" for r in ROWS for e in r.errors]
    assert bad == [], "docs/SECURITY.md cells not in the grammar:\n" + "\n".join(bad)


def test_every_column_is_a_role_with_its_user():
    unknown = sorted({role for roles in HEADERS for role in roles} - set(ROLE_USERS))
    assert unknown == [], (
        f"docs/SECURITY.md has role columns {unknown}: add each one's user to ROLE_USERS "
        "(and make it in build_world) in tests/test_security_table.py"
    )


def test_every_url_pattern_has_its_row():
    rows = _rows_by_name()
    missing = sorted(f"{u.key} (/{u.route})" for u in SERVED.values() if u.key not in rows)
    assert missing == [], "add a row to docs/SECURITY.md for each of: " + ", ".join(missing)


def test_every_row_names_a_url_pattern():
    stale = sorted({n for r in ROWS for n in r.names if n not in ALL_KEYS})
    assert stale == [], f"docs/SECURITY.md rows name URL patterns that do not exist: {stale}"


def test_every_row_of_a_url_with_parameters_has_its_recipe():
    missing = sorted(
        {
            recipe_key(n, r.variant)
            for r in ROWS
            for n in r.names
            if (needs_recipe(n) or r.variant) and recipe_key(n, r.variant) not in RECIPES
        }
    )
    assert missing == [], (
        "add to RECIPES in tests/test_security_table.py how to request (kwargs, method, body "
        f"from the world): {missing}"
    )


def test_every_recipe_is_for_a_url_and_row_that_exist():
    listed = {recipe_key(n, r.variant) for r in ROWS for n in r.names}
    stale = sorted(
        k for k in RECIPES if k.split(" [")[0] not in ALL_KEYS or (" [" in k and k not in listed)
    )
    assert stale == [], f"recipes in RECIPES for no URL or no docs/SECURITY.md row: {stale}"


def test_skipped_prefixes_still_exist():
    for prefix in SKIPPED:
        assert any(u.route.startswith(prefix) for u, _reason in URLS), prefix


# Cells the code answers wrongly (real security defects, reported; not fixed here):
# (recipe key, role, method) → reason.
DEFECTS: dict[tuple[str, str, str], str] = {}


def _cases():
    for row in ROWS:
        for name in row.names:
            key = recipe_key(name, row.variant)
            for role, clauses in row.cells.items():
                for cell in clauses:
                    if cell.answer == "—":
                        continue
                    method = cell.method or "*"
                    case_id = f"{key}|{role}|{method}"
                    defect = DEFECTS.get((key, role, method))
                    marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
                    yield pytest.param(key, name, role, cell, id=case_id, marks=marks)


def _request(client: Client, world, key: str, name: str, method: str | None):
    make = RECIPES.get(key)
    if make is None and (needs_recipe(name) or " [" in key):
        pytest.fail(
            f"no recipe for {key!r}: add RECIPES[{key!r}] = lambda w: Recipe(kwargs, method, "
            "data) in tests/test_security_table.py"
        )
    recipe = make(world) if make else Recipe()
    path = recipe.path or reverse(name, kwargs=recipe.kwargs)
    method = method or recipe.method
    api = path.startswith("/api/")
    call = getattr(client, method.lower())
    if method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return path, call(path, recipe.query or {})
    if recipe.query:
        path += "?" + urlencode(recipe.query)
    if api:
        return path, call(path, json.dumps(recipe.data or {}), content_type="application/json")
    return path, call(path, recipe.data or {})


@pytest.mark.parametrize(("key", "name", "role", "cell"), list(_cases()))
def test_cell(world, db, key, name, role, cell):
    if role not in ROLE_USERS:
        pytest.fail(f"column {role!r}: add its user to ROLE_USERS and build_world")
    client = Client()
    if ROLE_USERS[role]:
        if role not in world.sessions:
            pytest.fail(f"column {role!r}: make user {ROLE_USERS[role]!r} in build_world")
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    if role == "party":
        party_client_setup(client, world)
    path, response = _request(client, world, key, name, cell.method)
    got = response.status_code
    where = f"{response.request['REQUEST_METHOD']} {path} as {role}"
    location = response.get("Location", "")
    if cell.answer == "login":
        if path.startswith("/api/") and name not in HTML_UNDER_API:
            assert got == 401, f"{where}: expected 401, got {got}"
        else:
            login = resolve_url(settings.LOGIN_URL)
            assert got == 302 and urlsplit(location).path == login, (
                f"{where}: expected a redirect to {login}, got {got} {location}"
            )
        return
    assert got == int(cell.answer), f"{where}: expected {cell.answer}, got {got} {location}"
    if got == 302:
        assert urlsplit(location).path != resolve_url(settings.LOGIN_URL), (
            f"{where}: sent to the login page; the cell should say `login`"
        )
