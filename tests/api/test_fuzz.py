"""schemathesis against /api/schema/ over real HTTP (pytest-django's live server), signed in with
a token as a clerk and as a supervisor: no answer may be a 5xx, and every answer — status code,
content type, headers, body — must be what the schema says. The schema the cases are drawn from is
built at collection; each test first fetches /api/schema/ from the live server with its token
(the schema is for logged-in users only, SPEC §12) and checks that it is that same schema.
Cases in every state exist, and path ids, organizations, regions, dispute types and mediators
are drawn from the real rows as well as at random, so the fuzzer reaches past the 404s into the
services.

Not in the default run (marker `fuzz`): .ci/run has a step for it (`pytest -m fuzz`)."""

from __future__ import annotations

import logging

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts import tokens
from cases.models import Case, Organization
from documents.models import Document
from tests.api.conftest import FUZZ_EXAMPLES
from tests.county.security import fuzz_ids, fuzz_rows
from tests.factories import party

pytestmark = pytest.mark.fuzz

EXAMPLES_PER_OPERATION = 60


@pytest.fixture
def cases_in_every_state(world, register, walk, outsider):
    stages = ["intake", "investigation", "mediation", "closure", "follow_up", "archived"]
    for stage in stages:
        case = register()
        if stage != "intake":
            walk(case, stage)
    # One case the clerk and the supervisor must never reach.
    register(
        actor=outsider,
        organization=world["west"],
        region=world["west_village"],
        parties=[party("applicant", 7), party("respondent", 8)],
    )
    fuzz_rows(world)  # a claim and a review round (SPEC §15)


def _ids(path: str) -> list:
    if path.startswith("/api/v1/cases/"):
        return list(Case.objects.values_list("pk", flat=True))
    if path.startswith("/api/v1/documents/"):
        return list(Document.objects.values_list("pk", flat=True))
    if path.startswith("/api/v1/organizations/"):
        return list(Organization.objects.values_list("pk", flat=True))
    if path.startswith(("/api/v1/mediators/", "/api/v1/subsidies/", "/api/v1/reviews/")):
        return fuzz_ids(path)  # the county's rows (tests/county/security.py)
    return []


def _load_schema():
    """The schema /api/schema/ serves, built at collection by the same generator and JSON
    renderer (no server is up yet, and no database to sign in with); `served_schema` checks
    that the live server serves exactly this one."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from config.wsgi import application  # noqa: F401 - sets Django up as the server would

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))


schema = _load_schema()


def flatmap_path_parameters(context, path_parameters):
    """Half the time a real id or token (every state, the outsider's case included), else the
    drawn value. Only a valid drawn value is replaced, so negative cases stay negative."""
    if not path_parameters:
        return st.just(path_parameters)
    path, value = context.operation.path, path_parameters.get("id")
    if _is_int(value) and (ids := _ids(path)):
        real = st.sampled_from(ids).map(lambda pk: {**path_parameters, "id": pk})
        return st.one_of(st.just(path_parameters), real)
    if path.startswith("/api/v1/verify/") and isinstance(path_parameters.get("token"), str):
        tokens = list(Document.objects.values_list("token", flat=True))
        if tokens:
            real = st.sampled_from(tokens).map(lambda t: {**path_parameters, "token": t})
            return st.one_of(st.just(path_parameters), real)
    return st.just(path_parameters)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _committees() -> list[dict]:
    """For a registration body: a committee with its own village and a current dispute type."""
    from cases.models import DisputeType

    codes = list(DisputeType.objects.values_list("code", flat=True))
    return [
        {"organization": o.pk, "region": o.region_id, "dispute_type": code}
        for o in Organization.objects.all()
        for code in codes[:3]
    ]


def _mediators() -> list[list[int]]:
    from cases.models import Membership

    return [[pk] for pk in Membership.objects.values_list("user_id", flat=True).distinct()]


def flatmap_body(context, body):
    """Half the time a body names real rows — a registration a real committee, its village and a
    dispute type (the parties' ID and phone numbers blank, the first one an applicant); an accept
    real mediators — so requests get past "not found" and "invalid" into the service. Only a
    body whose drawn values are of the right type is changed, so negative cases stay negative."""
    if not isinstance(body, dict):
        return st.just(body)
    if _is_int(body.get("organization")) and isinstance(body.get("parties"), list):
        parties = [p for p in body["parties"] if isinstance(p, dict)]
        if len(parties) == len(body["parties"]):
            plain = [{**p, "id_number": "", "phone": ""} for p in parties]
            if plain:
                plain[0]["role"] = "applicant"
            real = st.sampled_from(_committees()).map(
                lambda refs: {**body, **refs, "parties": plain}
            )
            return st.one_of(st.just(body), real)
    mediators = body.get("mediators")
    if isinstance(mediators, list) and all(_is_int(m) for m in mediators):
        real = st.sampled_from(_mediators()).map(lambda ids: {**body, "mediators": ids})
        return st.one_of(st.just(body), real)
    return st.just(body)


@pytest.fixture(params=["clerk", "supervisor"])
def token(request, live_server, cases_in_every_state):
    user = request.getfixturevalue(request.param)
    # A token of its own device: the fuzzer's POST /api/v1/auth/token/ cannot replace it (it
    # does not know the password), nor its DELETE guess this token's random UUID.
    return tokens.issue(user, "fuzz")[1]


SERVED: set[str] = set()  # the roles whose served schema has been checked in this process


@pytest.fixture
def served_schema(request, live_server, token):
    """/api/schema/ as the live server serves it to the token's user, loaded by schemathesis over
    HTTP, must be the schema the cases are drawn from. Checked once per role and process: the
    schema is built anew for each request (seconds), and every operation's test asks for it.
    (A lazy `schemathesis.pytest.from_fixture` schema would load it here directly, but
    schemathesis 4.32's lazy runner fails under pytest 9: it sets `Function._nodeid`, which
    pytest 9 no longer has.)"""
    role = request.node.callspec.params["token"]
    if role in SERVED:
        return schema
    served = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )
    assert served.raw_schema == schema.raw_schema
    SERVED.add(role)
    return served


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request):
    # schemathesis 4.32 reads and rewrites `Node._nodeid`, which pytest 9 no longer has (its
    # `nodeid` comes from `_id`): without it every run fails with AttributeError at the start.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(scope="module", autouse=True)
def _quiet():
    # Thousands of expected 4xx answers would each log a warning line.
    logger = logging.getLogger("django.request")
    level, logger.level = logger.level, logging.ERROR
    yield
    logger.setLevel(level)


@schema.hooks.apply(flatmap_path_parameters)
@schema.hooks.apply(flatmap_body)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_schema(case, token, live_server, served_schema):
    FUZZ_EXAMPLES["sent"] += 1
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Token {token}"},
        # Schema-valid is not always acceptable: SPEC §9 answers 400 for an unknown dispute-type
        # code or region id and for an unmet guard, which no schema can express. Every other
        # check runs, negative_data_rejection included.
        excluded_checks=[positive_data_acceptance],
    )
