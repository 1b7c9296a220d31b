from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.api import api, url

def test_counts(register, walk, clerk, mediator, supervisor):
    case = walk(register(), "follow_up")
    for _ in range(5): register()
    for who, path in [(supervisor, url("cases")), (mediator, url("case", case.pk)), (clerk, url("case-documents", case.pk)), (clerk, url("case-events", case.pk))]:
        c = api(who)
        with CaptureQueriesContext(connection) as q:
            assert c.get(path).status_code == 200
        print(path, len(q))
        for x in q.captured_queries: print("   ", x["sql"][:150])
