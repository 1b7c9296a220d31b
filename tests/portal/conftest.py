import pytest

from tests.portal.helpers import make_outbox


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    """The `file` SMS backend writes under the test's own directory; `outbox.codes()` reads
    the verification codes sent, oldest first (tests/portal/helpers.py)."""
    return make_outbox(settings, tmp_path)


@pytest.fixture
def followed(register, walk, django_capture_on_commit_callbacks):
    """A case of 东村调委 in mediation with its NOT issued; parties' phones 13700000001 (the
    applicant) and 13700000002 (the respondent)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "session_held")
    return case
