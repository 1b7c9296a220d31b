import json

import pytest


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    """The `file` SMS backend writes under the test's own directory; `outbox.codes()` reads
    the verification codes sent, oldest first."""
    settings.SMS_BACKEND = "file"
    settings.SMS_OUTBOX = tmp_path / "sms" / "outbox.jsonl"

    class Outbox:
        def lines(self):
            if not settings.SMS_OUTBOX.exists():
                return []
            return [json.loads(x) for x in settings.SMS_OUTBOX.read_text().splitlines()]

        def codes(self, phone=None):
            return [
                x["params"]["code"]
                for x in self.lines()
                if x["template"] == "verification" and phone in (None, x["phone"])
            ]

    return Outbox()


@pytest.fixture
def followed(register, walk, django_capture_on_commit_callbacks):
    """A case of 东村调委 in mediation with its NOT issued; parties' phones 13700000001 (the
    applicant) and 13700000002 (the respondent)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "session_held")
    return case
