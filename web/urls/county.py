"""The county's pages (SPEC §15: mediator register, file review, subsidies) under /county/."""

from django.urls import path

from web.views import county as views

app_name = "county"
urlpatterns = [
    path("mediators/", views.mediator_list, name="mediators"),
    path("mediators/new/", views.mediator_new, name="mediator-new"),
    path("mediators/import/", views.mediator_import, name="mediator-import"),
    path("mediators/template.xlsx", views.mediator_template, name="mediator-template"),
    path("mediators/<int:pk>/", views.mediator_detail, name="mediator"),
    path("mediators/<int:pk>/edit/", views.mediator_edit, name="mediator-edit"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/items/<int:item>/", views.review_item, name="review-item"),
    path("reviews/<int:pk>/notices/<int:notice>/", views.review_notice, name="review-notice"),
    path(
        "reviews/<int:pk>/notices/<int:notice>/pdf/",
        views.review_notice_pdf,
        name="review-notice-pdf",
    ),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/steps/<slug:name>/", views.claim_step, name="claim-step"),
    path("claims/<int:pk>/lines/<int:line>/shares/", views.claim_shares, name="claim-shares"),
    path("claims/<int:pk>/notice/", views.claim_notice, name="claim-notice"),
    path("claims/<int:pk>/export.xlsx", views.claim_export, name="claim-export"),
]
