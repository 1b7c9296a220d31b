"""/api/schema/ and /api/docs/ for logged-in users only (SPEC §12 "no endpoint nobody asked
for"): session or API token, like the API itself. Anonymous: the schema answers the JSON 401 of
SPEC §9 (whatever format was asked for: the schema's YAML/JSON renderers are not used for an
error), the Swagger page sends a browser to the login page.

The Swagger page keeps to the site's Content-Security-Policy (no inline script or style,
config/settings.py): drf-spectacular's split view serves its init script as a file of its own
(`?script`), and our template (web/templates/api/docs.html) replaces the library's inline
<style> with a stylesheet."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, permissions
from rest_framework.renderers import JSONRenderer


class _JsonErrors:
    """An error (401, 406, …) is rendered as JSON, not by the view's own renderers."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(_JsonErrors, SpectacularAPIView):
    permission_classes = [permissions.IsAuthenticated]


class DocsView(_JsonErrors, SpectacularSwaggerSplitView):
    permission_classes = [permissions.IsAuthenticated]
    template_name = "api/docs.html"

    def handle_exception(self, exc):
        # A browser with no credentials goes to the login page and comes back; a client that
        # sent a (bad) token gets the JSON 401.
        anonymous = isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed)
        if anonymous and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
