from django.urls import path

from portal import rating_views, views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("verify/", views.verify, name="verify"),
    path("case/", views.case, name="case"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("leave/", views.leave, name="leave"),
    path("sign/<int:pk>/", views.sign, name="sign"),
    path("sign/<int:pk>/draft.pdf", views.sign_draft, name="sign-draft"),
    path("rate/", rating_views.rate, name="rate"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply-done"),
]
