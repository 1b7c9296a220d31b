"""A bug under /api/ answers the JSON error shape with 500, never Django's HTML page."""

from django.test import RequestFactory

from api import views
from api.errors import server_error
from tests.api import api, error, url


def _boom(*args, **kwargs):
    raise RuntimeError("a bug")


def test_unhandled_exception_under_api_is_json_500(clerk, monkeypatch):
    monkeypatch.setattr(views.MeView, "get", _boom)
    client = api(clerk)
    client.raise_request_exception = False  # answer as in production instead of re-raising
    err = error(client.get(url("me")), 500, "server_error")
    assert "a bug" not in err["message"]  # nothing internal leaks to the client


def test_unhandled_exception_in_a_transition_is_json_500(clerk, register, monkeypatch):
    from workflows import services

    case = register()
    monkeypatch.setattr(services, "case_transition", _boom)
    client = api(clerk)
    client.raise_request_exception = False
    response = client.post(url("case-transition", case.pk, "decline"), {}, format="json")
    error(response, 500, "server_error")


def test_outside_api_the_html_page_stays():
    response = server_error(RequestFactory().get("/cases/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_path_with_a_newline_is_a_json_404(clerk):
    # Found by fuzzing: "." in the catch-all pattern did not match "\n", so Django's HTML 404
    # answered.
    error(api(clerk).get("/api/v1/cases/%0AZ/events/"), 404, "not_found")


def test_outside_api_the_html_404_stays(client):
    from django.contrib.auth.models import AnonymousUser

    from api.errors import not_found

    request = RequestFactory().get("/nowhere/")
    request.user = AnonymousUser()
    response = not_found(request, None)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
