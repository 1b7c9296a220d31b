import importlib.util

from django.apps import apps
from django.urls import include, path, re_path

from api import docs, signing, views

app_name = "api"

v1 = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/tokens/", views.TokenList.as_view(), name="tokens"),
    path("auth/tokens/<uuid:pk>/", views.TokenDetail.as_view(), name="token-detail"),
    path("me/", views.MeView.as_view(), name="me"),
    path("regions/", views.RegionList.as_view(), name="regions"),
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path(
        "organizations/<int:pk>/members/",
        views.OrganizationMembers.as_view(),
        name="organization-members",
    ),
    path("dispute-types/", views.DisputeTypeList.as_view(), name="dispute-types"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case"),
    path(
        "cases/<int:pk>/transitions/<str:name>/",
        views.CaseTransition.as_view(),
        name="case-transition",
    ),
    path(
        "cases/<int:pk>/investigations/",
        views.InvestigationCreate.as_view(),
        name="case-investigations",
    ),
    path("cases/<int:pk>/sessions/", views.SessionCreate.as_view(), name="case-sessions"),
    path("cases/<int:pk>/follow-ups/", views.FollowUpCreate.as_view(), name="case-follow-ups"),
    path(
        "cases/<int:pk>/judicial-confirmation/",
        views.JudicialConfirmationApply.as_view(),
        name="case-judicial-confirmation",
    ),
    path("cases/<int:pk>/documents/", views.CaseDocuments.as_view(), name="case-documents"),
    path("cases/<int:pk>/events/", views.CaseEvents.as_view(), name="case-events"),
    path("documents/<int:pk>/pdf/", views.DocumentPdf.as_view(), name="document-pdf"),
    path("verify/<str:token>/", views.Verify.as_view(), name="verify"),
    path("stats/", include("api.stats")),
    path("access-log/", include("api.access_log")),
    path("", include("api.screening")),
    path("", include("api.county")),
    path("", include("api.applications")),
    path("", include("api.signing")),
    path("public/", include("api.public")),
    path("public/", include(signing.public_urlpatterns)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
]

# Swagger UI only with its assets served from here: drf-spectacular alone loads them from a
# CDN, which a deployment on a government network cannot be assumed to reach. Schema and docs
# for logged-in users only, the docs under the site's CSP (api/docs.py).
if importlib.util.find_spec("drf_spectacular_sidecar") and apps.is_installed(
    "drf_spectacular_sidecar"
):
    urlpatterns.append(path("docs/", docs.DocsView.as_view(url_name="api:schema"), name="docs"))

# [\s\S], not ".": a path with a newline in it ("%0A", found by fuzzing) is a path under /api/.
urlpatterns.append(re_path(r"^[\s\S]*$", views.NotFoundView.as_view()))
