"""SPEC §12 headers: a Content-Security-Policy without inline scripts on every page, and pages
that need no exception to it — no inline <script>, no <style> element, no style="…" attribute,
no on…= handler, no javascript: URL.

"Every page" is found, not listed: each demo user (and the admin) starts at the home page (the
admin also at /admin/) and follows every link to a page of this site, one page per URL route
(so a new page is checked as soon as something links to it), with cases in every stage so that
the action forms are reached. The pages nothing links to — the login page, 403 and 404, the
public verification page, the Swagger docs — are requested by name, and every template of the
site is read as well (an error answer, an upload refused)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from cases.models import Case
from documents.models import Document
from tests.factories import party

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
# A <script> of these types is data, never run: CSP does not apply to it.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Not pages: the API has its own test (below for the docs), files are not HTML; logout is POST.
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/i18n/", "/admin/jsi18n/")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        line = self.getpos()[0]
        if "style" in a:
            self.problems.append(f"line {line}: <{tag} style={a['style']!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {line}: <{tag} {name}=…> (inline handler)")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: <{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            elif (a.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append(f"line {line}: inline <script> without src")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def policy_of(response) -> dict[str, set[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy header"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, header
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


def check_page(response) -> _Page:
    """The page's CSP header is ours and its HTML needs no exception to it."""
    path = response.request["PATH_INFO"]
    assert policy_of(response) == POLICY, path
    page = _Page()
    page.feed(response.content.decode())
    assert not page.problems, (path, page.problems)
    return page


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def crawl(client, *starts: str) -> dict[str, str]:
    """Every page reachable by links from `starts`, one per URL route: {route: path}."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue:
        path = queue.popleft()
        route = _route(path)
        if route is None or route in seen or path.startswith(SKIP_PREFIXES):
            continue
        if "logout" in path:
            continue
        seen[route] = path
        response = client.get(path)
        if response.status_code in (301, 302):
            queue.append(urlsplit(urljoin(path, response["Location"])).path)
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a download: PDF, xlsx, csv
        page = check_page(response)
        for href in page.links:
            url = urlsplit(urljoin(path, href))
            if url.scheme in ("", "http") and url.netloc in ("", "testserver"):
                queue.append(url.path)
    return seen


@pytest.fixture
def cases_in_every_stage(world, register, walk, outsider, django_capture_on_commit_callbacks):
    """Cases in every stage, their documents issued (so the download links are there too)."""
    with django_capture_on_commit_callbacks(execute=True):
        for stage in ["intake", "investigation", "mediation", "closure", "follow_up", "archived"]:
            case = register()
            if stage != "intake":
                walk(case, stage)
        register(
            actor=outsider,
            organization=world["west"],
            region=world["west_village"],
            parties=[party("applicant", 7), party("respondent", 8)],
        )
    return Case.objects.all()


# Pages each user must have reached, so that the crawl cannot pass by seeing nothing.
EXPECTED = {
    "clerk": {"cases:detail", "cases:register", "cases:act", "workflows:task", "cases:import"},
    "director": {"cases:detail", "cases:act", "supervision:dashboard", "supervision:access"},
    "mediator": {"cases:detail", "cases:act", "workflows:task", "workflows:notifications"},
    "supervisor": {"cases:detail", "supervision:statistics", "supervision:ranking"},
    "clerk_b": {"cases:list", "workflows:tasks", "supervision:audit"},
    "admin": {"admin:index", "admin:cases_case_changelist", "admin:cases_case_change"},
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_every_page_a_user_reaches_keeps_to_the_policy(
    client, cases_in_every_stage, django_user_model, username
):
    client.force_login(django_user_model.objects.get(username=username))
    starts = ["/", "/admin/"] if username == "admin" else ["/"]
    seen = crawl(client, *starts)
    names = {resolve(path).view_name for path in seen.values()}
    assert EXPECTED[username] <= names, EXPECTED[username] - names
    assert "home" in names


def test_pages_nothing_links_to(client, cases_in_every_stage, mediator, outsider):
    check_page(client.get(reverse("login")))
    doc = Document.objects.filter(status=Document.Status.ISSUED).first()
    check_page(client.get(reverse("verify", args=[doc.token])))

    client.force_login(mediator)
    forbidden = client.get(reverse("cases:register"))
    assert forbidden.status_code == 403
    check_page(forbidden)

    client.force_login(outsider)
    ours = Case.objects.exclude(organization__short_code="西村调委").first()
    missing = client.get(reverse("cases:detail", args=[ours.pk]))
    assert missing.status_code == 404
    check_page(missing)
    check_page(client.get(reverse("password_change")))


def test_swagger_docs_run_under_the_policy(client, clerk):
    """drf-spectacular's split view: the page loads its init script as a file of its own."""
    client.force_login(clerk)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = check_page(response)
    [init] = [src for src in page.scripts if "script" in urlsplit(src).query]
    script = client.get(init)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    for src in page.scripts:
        assert urlsplit(src).netloc == "", src  # no CDN


ROOT = Path(__file__).resolve().parents[2]
COMMENTS = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S)


def _templates() -> list[Path]:
    """Every HTML template of the project's apps, but the PDFs' (documents/templates: WeasyPrint
    renders them, no browser ever gets them)."""
    return sorted(
        path
        for path in ROOT.glob("*/templates/**/*.html")
        if not path.is_relative_to(ROOT / "documents" / "templates")
    )


def test_no_template_needs_an_exception():
    """The pages the crawl cannot reach (an error answer, an upload refused) are checked here."""
    templates = _templates()
    assert len(templates) > 20
    found = {}
    for path in templates:
        page = _Page()
        page.feed(COMMENTS.sub("", path.read_text()))
        if page.problems:
            found[str(path.relative_to(ROOT))] = page.problems
    assert not found


def test_register_script_is_a_static_file(client, clerk):
    client.force_login(clerk)
    page = check_page(client.get(reverse("cases:register")))
    assert any(src.endswith("tiaojie/register.js") for src in page.scripts), page.scripts
