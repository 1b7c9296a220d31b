"""The schema the fuzz run loads at collection (tests/api/test_fuzz.py, built by the generator
because /api/schema/ is for signed-in users only) is the one /api/schema/ serves."""

import json

from tests.api import api


def test_fuzz_schema_is_the_served_schema(clerk):
    from tests.api.test_fuzz import _load_schema

    served = api(clerk).get("/api/schema/?format=json")
    assert served.status_code == 200
    assert _load_schema().raw_schema == json.loads(served.content)
