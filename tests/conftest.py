"""Named people (STYLE habit 6) in the demo geography of SPEC §10, and a fast renderer.

The renderer is replaced at its one import point by a tiny deterministic PDF so that the domain
tests do not spend 0.25 s per document; tests marked `real_pdf` (tests/documents/) use WeasyPrint.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from cases.models import DisputeType, Membership, Organization, Region
from demo import seed as demo
from tests.factories import party

User = get_user_model()
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    config.addinivalue_line("markers", "real_pdf: render with WeasyPrint, not the fast fake")


# The count of schemathesis examples sent (tests/api/test_fuzz.py), printed at the end; here,
# not in tests/api/conftest.py, so that an xdist controller (which collects nothing) has it.
def pytest_sessionfinish(session):
    # An xdist worker hands its count to the controller (pytest_testnodedown below).
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzz_sent"] = _fuzz_examples()["sent"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _fuzz_examples()["sent"] += getattr(node, "workeroutput", {}).get("fuzz_sent", 0)


def pytest_terminal_summary(terminalreporter):
    if _fuzz_examples()["sent"]:
        terminalreporter.write_line(f"schemathesis: {_fuzz_examples()['sent']} examples sent")


def _fuzz_examples() -> dict:
    from tests.api.conftest import FUZZ_EXAMPLES

    return FUZZ_EXAMPLES


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Demo users are created per test: a fast hasher keeps that cheap (not a security setting).
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def fast_renderer(request, monkeypatch):
    if request.node.get_closest_marker("real_pdf"):
        return None
    from documents import renderer

    calls = []

    def fake(code, context):
        calls.append((code, context))
        body = json.dumps(context, sort_keys=True, ensure_ascii=False).encode()
        pdf = b"%PDF-1.7\n% fake for tests\n" + hashlib.sha256(body).hexdigest().encode()
        return renderer.RenderResult(pdf=pdf, pages=1, missing_glyphs=False)

    monkeypatch.setattr(renderer, "render_document", fake)
    monkeypatch.setattr(renderer, "render_dossier", lambda context: fake("DOS", context))
    # The 司法确认 bundle binds real PDFs (pypdf): with the fake pages above it stays fake too.
    monkeypatch.setattr(renderer, "render_bundle", lambda context, **parts: fake("JCB", context))
    return calls


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference data of `world` written once into each test database, not once per test
    (it was most of a test's set-up time on PostgreSQL); each test's transaction rolls its own
    changes back. With the fast hasher, as every test's users."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        demo.seed_reference()


def _seeded() -> bool:
    # A transactional test's flush empties every table: the next `world` writes it again.
    return Membership.objects.filter(user__username="grid_b").exists()


@pytest.fixture
def world(db):
    """Regions, committees, taxonomy and the SPEC §10 users."""
    if not _seeded():
        demo.seed_reference()
    return {
        "east": Organization.objects.get(short_code="东村调委"),
        "west": Organization.objects.get(short_code="西村调委"),
        "east_village": Region.objects.get(name="东村"),
        "west_village": Region.objects.get(name="西村"),
        "qingshan": Region.objects.get(name="青山县"),
        "baishui": Region.objects.get(name="白水县"),
        "city": Region.objects.get(name="青山市"),
        "neighbour": DisputeType.objects.get(code="neighbour"),
    }


def _user(username):
    return User.objects.get(username=username)


@pytest.fixture
def clerk(world):
    return _user("clerk")


@pytest.fixture
def director(world):
    return _user("director")


@pytest.fixture
def mediator(world):
    return _user("mediator")


@pytest.fixture
def mediator2(world):
    return _user("mediator2")


@pytest.fixture
def supervisor(world):
    return _user("supervisor")


@pytest.fixture
def supervisor_city(world):
    return _user("supervisor_city")


@pytest.fixture
def outsider(world):
    """clerk_b of 西村调委 in 白水县: none of 青山县's cases exist for them."""
    return _user("clerk_b")


@pytest.fixture
def admin_user(world):
    return _user("admin")


@pytest.fixture
def register(world, clerk):
    """Register a case of 东村调委 through the service."""
    from workflows.services import case_register

    def make(**overrides):
        data = {
            "actor": clerk,
            "organization": world["east"],
            "region": world["east_village"],
            "dispute_type": world["neighbour"],
            "source": "application",
            "summary": "邻里因排水沟堵塞发生纠纷",
            "requests": "恢复排水沟",
            "amount_involved": "12000",
            "parties": [party("applicant", 1), party("respondent", 2)],
        }
        return case_register(**(data | overrides))

    return make


@pytest.fixture
def walk(clerk, director, mediator):
    """Walk a case to a named stage through the service alone (tests/factories.py::walk_to)."""
    from tests.factories import walk_to

    def to(case, stage: str):
        return walk_to(case, stage, clerk=clerk, mediator=mediator, director=director)

    return to
