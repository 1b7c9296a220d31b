"""The staff side of online applications (网上申请, SPEC §14/§17): the committee's list, register
(the case starts with the applicant's data) and decline with a reason. Included into the API's
v1 routes by api/urls.py. As elsewhere: an application outside the user's reach does not exist
(404), a role that does not register is 403 (portal/applications.py decides both)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.pagination import Pagination
from api.serializers import (
    CaseDetailSerializer,
    EmptySerializer,
    RegionBriefSerializer,
    StrictSerializer,
)
from api.views import case_answer
from core.net import client_ip
from portal import applications
from portal.models import Application

TAG = "applications"


class ApplicationPartySerializer(serializers.Serializer):
    name = serializers.CharField()
    id_type = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    address = serializers.CharField(required=False)


class ApplicationCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class ApplicationSerializer(serializers.ModelSerializer):
    submitted_at = serializers.DateTimeField()
    applicant = ApplicationPartySerializer()
    respondent = ApplicationPartySerializer()
    region = RegionBriefSerializer()
    dispute_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = ApplicationCaseSerializer(allow_null=True)
    organization = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "submitted_at",
            "intake_due",
            "applicant",
            "respondent",
            "region",
            "organization",
            "dispute_type",
            "facts",
            "requests",
            "status",
            "case",
            "decline_reason",
        ]

    def get_organization(self, application) -> dict:
        return {"id": application.organization_id, "name": application.organization.name}


class ApplicationFilterSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False)
    page = serializers.IntegerField(min_value=1, required=False)


class DeclineSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200)


class ApplicationList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG],
        parameters=[ApplicationFilterSerializer],
        responses={200: ApplicationSerializer(many=True), **errors(400, 401, 404)},
        description="The applications of the committees where the user is a clerk or director, "
        "the oldest first (others: an empty page).",
    )
    def get(self, request):
        query = ApplicationFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        rows = applications.handled_by(request.user)
        if "status" in query.validated_data:
            rows = rows.filter(status=query.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows.order_by("submitted_at", "pk"), request, view=self)
        return paginator.get_paginated_response(ApplicationSerializer(page, many=True).data)


class ApplicationRegister(APIView):
    @extend_schema(
        tags=[TAG],
        request=EmptySerializer,
        responses={201: CaseDetailSerializer, **errors(400, 401, 403, 404, 409)},
        description="Registers the case (status intake, APP issued); the applicant gets the "
        "case's party code by SMS.",
    )
    def post(self, request, pk: int):
        application = get_object_or_404(applications.applications_for(request.user), pk=pk)
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        case = applications.application_register(
            application, actor=request.user, ip=client_ip(request)
        )
        return case_answer(request, case.pk, status_code=status.HTTP_201_CREATED)


class ApplicationDecline(APIView):
    @extend_schema(
        tags=[TAG],
        request=DeclineSerializer,
        responses={200: ApplicationSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = get_object_or_404(applications.applications_for(request.user), pk=pk)
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        declined = applications.application_decline(
            application, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(ApplicationSerializer(declined).data)


urlpatterns = [
    path("applications/", ApplicationList.as_view(), name="applications"),
    path(
        "applications/<int:pk>/register/",
        ApplicationRegister.as_view(),
        name="application-register",
    ),
    path(
        "applications/<int:pk>/decline/",
        ApplicationDecline.as_view(),
        name="application-decline",
    ),
]
