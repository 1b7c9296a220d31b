"""GET /api/v1/access-log/ (SPEC §11, §17): the personal-data access records in the user's reach,
from the same query as the 访问记录 page (supervision.access_log). Included into the API's v1
routes by api/urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from api.errors import errors
from api.pagination import Pagination
from cases.models import display_name
from supervision import access_log
from supervision.models import AccessRecord


class AccessUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class AccessCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class AccessRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = AccessUserSerializer()
    ip = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=AccessRecord.Kind.choices)
    case = AccessCaseSerializer(
        allow_null=True, help_text="The case read; null for an export or an import upload."
    )
    cases_count = serializers.IntegerField(
        help_text="An export: the number of cases whose personal data it showed in full; an "
        "import upload: the rows of the file; otherwise 0."
    )
    detail = serializers.CharField(
        help_text="An export's filter (query string), a document's number, an uploaded file."
    )


ID = {"type": "integer", "minimum": 1}


class AccessLog(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=["supervision"],
        operation_id="access_log_list",
        parameters=[
            OpenApiParameter(
                "case",
                ID,
                description="Only the records of this case (id). A case outside the user's "
                "reach answers 404.",
            ),
            OpenApiParameter("user", ID, description="Only the records of this user (id)."),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (local time), inclusive."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last day (local time), inclusive."
            ),
        ],
        responses={200: AccessRecordSerializer(many=True), **errors(400, 401, 403, 404)},
        description="Every read of unmasked personal data (case page, API case detail, PDF "
        "download, export, import upload), newest first. Directors: their committee's cases "
        "and their committee's people's exports and imports; supervisors: the same for their "
        "region subtree; admins: everything; other roles 403.",
    )
    def get(self, request):
        f = access_log.parse(request.user, request.query_params, api=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(access_log.records(request.user, f), request, view=self)
        return paginator.get_paginated_response(AccessRecordSerializer(page, many=True).data)


urlpatterns = [path("", AccessLog.as_view(), name="access-log")]
