"""The 排查 endpoints of SPEC §13/§17: leads, their transitions and photos, sweeps and their
reports. Included into the API's v1 routes by api/urls.py. As in api/views.py: find the object in
the user's scope (else 404), check the request's shape, call the one service, answer."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.pagination import Pagination
from api.serializers import (
    OrganizationBriefSerializer,
    QueryBooleanField,
    RegionBriefSerializer,
    StrictSerializer,
    UserBriefSerializer,
)
from api.views import IF_MATCH, apply_if_match, client_ip
from cases import choices, scope
from cases.models import DisputeType, Region
from cases.validators import mask
from documents.models import Document
from screening.models import Channel, Lead, LeadStatus, Receiver, Sweep
from screening.progress import sweep_progress
from screening.scope import sees_lead_personal_data
from workflows import lead_selectors, services


# --- shapes -------------------------------------------------------------------------------
class LeadPersonSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(
        choices=[("", "不详"), *choices.PartyRole.choices], required=False, default=""
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class LeadCreateSerializer(StrictSerializer):
    region = serializers.IntegerField(help_text="Region id (GET /regions/): where it was found.")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default="grid")
    sender = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    sender_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    found_on = serializers.DateField(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dispute_type = serializers.SlugField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    people_involved = serializers.IntegerField(
        required=False, min_value=0, max_value=100000, default=0
    )
    people = LeadPersonSerializer(many=True, required=False, default=list)
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.RECORDED_RISK_FACTORS),
        required=False,
        default=list,
    )
    sweep = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_found_on(self, value):
        if value is not None and not 1900 <= value.year <= 2100:
            raise serializers.ValidationError("日期须在1900年至2100年之间。")
        return value

    def validate_region(self, value):
        user = self.context["request"].user
        region = Region.objects.filter(scope.visible_regions_q(user), pk=value).first()
        if region is None:
            raise exceptions.NotFound("区域不存在。")
        return region

    def validate_dispute_type(self, value):
        if value is None:
            return None
        found = DisputeType.objects.filter(taxonomy__is_current=True, code=value).first()
        if found is None:
            raise serializers.ValidationError(f"未知的纠纷类型代码“{value}”。")
        return found

    def validate_sweep(self, value):
        if value is None:
            return None
        found = lead_selectors.sweeps_for(self.context["request"].user).filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError("排查活动不存在。")
        return found


class LeadRiskSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=choices.RiskLevel.choices)
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.DictField())
    factors = serializers.ListField(child=serializers.CharField())


class RepeatSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["lead", "case"])
    id = serializers.IntegerField(allow_null=True, help_text="null when not visible to the user")
    number = serializers.CharField(help_text="empty when not visible to the user")


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class LeadPersonOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.CharField(help_text="last 4 digits only when masked")


class LeadDocumentSerializer(serializers.Serializer):
    """A lead's own document (the 反馈函 FBK of a referred-in lead that ended without a case,
    SPEC §13), as api.serializers.DocumentSerializer shows a case's."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    sha256 = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    superseded = serializers.BooleanField()
    pdf_url = serializers.URLField(
        allow_null=True, help_text="null until issued, and for supervisors (masked view)"
    )
    verify_url = serializers.URLField(allow_null=True)


def lead_documents(request, lead: Lead, full: bool) -> list[dict]:
    answer = []
    for doc in sorted(lead.documents.all(), key=lambda d: (d.code, d.version)):
        issued = doc.status in (Document.Status.ISSUED, Document.Status.SUPERSEDED)
        pdf = reverse("api:document-pdf", args=[doc.pk])  # documents.access: the lead's rule
        answer.append(
            {
                "id": doc.pk,
                "code": doc.code,
                "title": doc.title,
                "version": doc.version,
                "number": doc.number,
                "status": doc.status,
                "sha256": doc.sha256,
                "issued_at": serializers.DateTimeField().to_representation(doc.issued_at)
                if doc.issued_at
                else None,
                "superseded": doc.is_superseded,
                "pdf_url": request.build_absolute_uri(pdf) if issued and full else None,
                "verify_url": settings.SITE_URL + reverse("verify", args=[doc.token])
                if issued
                else None,
            }
        )
    return answer


class LeadSerializer(serializers.Serializer):
    """The answer for one lead; `to_representation` builds it, the fields describe it."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    version = serializers.IntegerField()
    organization = OrganizationBriefSerializer()
    region = RegionBriefSerializer()
    channel = serializers.ChoiceField(choices=Channel.choices)
    sender = serializers.CharField()
    sender_reference = serializers.CharField()
    found_on = serializers.DateField()
    place = serializers.CharField()
    dispute_type = serializers.CharField(allow_null=True, help_text="the code, or null")
    description = serializers.CharField()
    people_involved = serializers.IntegerField()
    people = LeadPersonOutSerializer(many=True)
    risk = LeadRiskSerializer()
    sweep = serializers.IntegerField(allow_null=True)
    triage_due = serializers.DateField(allow_null=True)
    next_check_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    repeat_of = RepeatSerializer(allow_null=True)
    case = serializers.IntegerField(allow_null=True, help_text="the case registered from it")
    receiver = serializers.CharField(help_text="referral: the receiving body, or empty")
    referral_reason = serializers.CharField()
    feedback_due = serializers.DateField(
        allow_null=True,
        help_text="a referral in (court, police_110, petition, hotline_12345): when the sender "
        "is owed the 反馈函 (a court's 诉前 referral: found_on + 30 days); a referral out: when "
        "the receiving body is to report back",
    )
    feedback_sent_at = serializers.DateTimeField(
        allow_null=True, help_text="when the 反馈函 (FBK) to the sender was issued"
    )
    outcome_note = serializers.CharField()
    photos = PhotoSerializer(many=True)
    reported_by = UserBriefSerializer()
    reported_at = serializers.DateTimeField()
    allowed_transitions = serializers.ListField(child=serializers.CharField())
    documents = LeadDocumentSerializer(many=True)

    def to_representation(self, lead: Lead) -> dict:
        user = self.context["request"].user
        full = sees_lead_personal_data(user, lead)
        visible = Lead.objects.visible_to(user)
        repeat = None
        if lead.repeat_of is not None:
            shown = visible.filter(pk=lead.repeat_of.pk).exists()
            repeat = {
                "kind": "lead",
                "id": lead.repeat_of_id if shown else None,
                "number": lead.repeat_of.number if shown else "",
            }
        elif lead.repeat_case is not None:
            from cases.models import Case

            shown = Case.objects.visible_to(user).filter(pk=lead.repeat_case_id).exists()
            repeat = {
                "kind": "case",
                "id": lead.repeat_case_id if shown else None,
                "number": lead.repeat_case.number if shown else "",
            }
        return {
            "id": lead.pk,
            "number": lead.number,
            "status": lead.status,
            "version": lead.version,
            "organization": OrganizationBriefSerializer(lead.organization).data,
            "region": RegionBriefSerializer(lead.region).data,
            "channel": lead.channel,
            "sender": lead.sender,
            "sender_reference": lead.sender_reference,
            "found_on": lead.found_on.isoformat(),
            "place": lead.place,
            "dispute_type": lead.dispute_type.code if lead.dispute_type else None,
            "description": lead.description,
            "people_involved": lead.people_involved,
            "people": [
                {"name": p.name, "role": p.role, "phone": p.phone if full else mask(p.phone)}
                for p in lead.people.all()
            ],
            "risk": {
                "level": lead.risk_level,
                "score": lead.risk_score,
                "reasons": lead.risk_reasons,
                "factors": lead.risk_factors,
            },
            "sweep": lead.sweep_id,
            "triage_due": lead.triage_due.isoformat() if lead.triage_due else None,
            "next_check_on": lead.next_check_on.isoformat() if lead.next_check_on else None,
            "overdue": lead_selectors.is_overdue(lead),
            "repeat_of": repeat,
            "case": lead.case_id,
            "receiver": lead.referral_receiver,
            "referral_reason": lead.referral_reason,
            "feedback_due": lead.feedback_due.isoformat() if lead.feedback_due else None,
            "feedback_sent_at": serializers.DateTimeField().to_representation(lead.feedback_sent_at)
            if lead.feedback_sent_at
            else None,
            "outcome_note": lead.outcome_note,
            "photos": [{"id": p.pk, "size": p.size, "sha256": p.sha256} for p in lead.photos.all()],
            "reported_by": UserBriefSerializer(lead.reported_by).data,
            "reported_at": serializers.DateTimeField().to_representation(lead.reported_at),
            "allowed_transitions": lead_selectors.allowed_lead_transitions(lead, user),
            "documents": lead_documents(self.context["request"], lead, full),
        }


class LeadFilterSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    region = serializers.IntegerField(required=False, help_text="Region id: its whole subtree.")
    risk = serializers.ChoiceField(choices=choices.RiskLevel.choices, required=False)
    overdue = QueryBooleanField()
    sweep = serializers.IntegerField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_region(self, value):
        region = Region.objects.filter(pk=value).first()
        if region is None:
            raise serializers.ValidationError("区域不存在。")
        return region


class ToCaseSerializer(StrictSerializer):
    organization = serializers.IntegerField(
        required=False, allow_null=True, help_text="default: the lead's committee"
    )
    dispute_type = serializers.SlugField(
        required=False, allow_null=True, help_text="default: the lead's"
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, help_text="default: the description and the place"
    )


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ReferSerializer(StrictSerializer):
    receiver = serializers.ChoiceField(choices=Receiver.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    feedback_due = serializers.DateField(required=False, allow_null=True)


class WatchSerializer(NoteSerializer):
    next_check_on = serializers.DateField(required=False, allow_null=True)


TRANSITIONS: dict[str, type[StrictSerializer]] = {
    "to_case": ToCaseSerializer,
    "resolve_on_site": NoteSerializer,
    "refer": ReferSerializer,
    "watch": WatchSerializer,
    "close": NoteSerializer,
}
TRANSITION_BODY = PolymorphicProxySerializer(
    component_name="LeadTransitionBody",
    serializers=[ToCaseSerializer, NoteSerializer, ReferSerializer, WatchSerializer],
    resource_type_field_name=None,
)


class PhotoUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="JPEG or PNG, at most 5 MB")
    keep_location = serializers.BooleanField(
        required=False, default=False, help_text="keep the GPS location (dropped by default)"
    )


class SweepCreateSerializer(StrictSerializer):
    region = serializers.IntegerField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    focus = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_region(self, value):
        user = self.context["request"].user
        region = Region.objects.filter(scope.visible_regions_q(user), pk=value).first()
        if region is None:
            raise exceptions.NotFound("区域不存在。")
        return region


class SweepSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer()

    class Meta:
        model = Sweep
        fields = ["id", "name", "region", "starts_on", "ends_on", "focus"]


class ProgressSerializer(serializers.Serializer):
    region = RegionBriefSerializer()
    unit = serializers.CharField(help_text="the committee's or the grid's name")
    status = serializers.ChoiceField(choices=["reported", "zero", "missing"])
    leads = serializers.IntegerField()
    high = serializers.IntegerField(help_text="of them high or critical risk")
    triaged = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text="resolved on site or converted to a case")


class SweepDetailSerializer(SweepSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(SweepSerializer.Meta):
        fields = [*SweepSerializer.Meta.fields, "progress"]

    @extend_schema_field(ProgressSerializer(many=True))
    def get_progress(self, sweep):
        return [
            {
                "region": {"id": row.unit.region.pk, "name": row.unit.region.name},
                "unit": row.unit.name,
                "status": row.status,
                "leads": row.leads,
                "high": row.high,
                "triaged": row.triaged,
                "resolved": row.resolved,
            }
            for row in sweep_progress(sweep)
        ]


class SweepReportInSerializer(StrictSerializer):
    region = serializers.IntegerField(help_text="the committee's or the grid's region id")
    zero = serializers.BooleanField(help_text="零报告: nothing found in the period")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_region(self, value):
        region = Region.objects.filter(pk=value).first()
        if region is None:
            raise serializers.ValidationError("区域不存在。")
        return region


class SweepReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    region = RegionBriefSerializer()
    zero = serializers.BooleanField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


# --- views --------------------------------------------------------------------------------
def read_lead(request, pk: int) -> Lead:
    """The lead if the user may see it; otherwise it does not exist (404, never 403)."""
    return get_object_or_404(lead_selectors.lead_detail_for(request.user), pk=pk)


def lead_answer(request, pk: int, status_code=status.HTTP_200_OK, headers=None) -> Response:
    data = LeadSerializer(read_lead(request, pk), context={"request": request}).data
    return Response(data, status=status_code, headers=headers)


class LeadList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=["screening"],
        parameters=[LeadFilterSerializer],
        responses={200: LeadSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        query = LeadFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        leads = lead_selectors.filter_leads(
            lead_selectors.lead_detail_for(request.user), query.validated_data
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(leads.prefetch_related("documents"), request, view=self)
        data = LeadSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["screening"],
        request=LeadCreateSerializer,
        responses={201: LeadSerializer, **errors(400, 401, 403, 404)},
        description="Report a lead (SPEC §13): a grid worker in their grid, a committee member "
        "in the committee's region. High or critical risk notifies the committee and the "
        "supervisors at once.",
    )
    def post(self, request):
        body = LeadCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        lead = services.lead_report(
            actor=request.user, ip=client_ip(request), **body.validated_data
        )
        return lead_answer(
            request, lead.pk, status.HTTP_201_CREATED, {"Location": f"{request.path}{lead.pk}/"}
        )


class LeadDetail(APIView):
    @extend_schema(tags=["screening"], responses={200: LeadSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        return lead_answer(request, pk)


class LeadTransition(APIView):
    @extend_schema(
        tags=["screening"],
        request=TRANSITION_BODY,
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(TRANSITIONS),
                description="The transition (SPEC §13).",
            ),
            IF_MATCH,
        ],
        responses={200: LeadSerializer, **errors(400, 401, 403, 404, 409)},
        description="Body by transition: to_case {organization?, dispute_type?, summary?} "
        "(answers the lead with `case`, the new case's id), resolve_on_site {note}, refer "
        "{receiver, reason, feedback_due}, watch {note, next_check_on} (at most 30 days on), "
        "close {note}. `If-Match` takes the lead's `version`.",
    )
    def post(self, request, pk: int, name: str):
        lead = read_lead(request, pk)
        body_class = TRANSITIONS.get(name)
        if body_class is None:
            raise exceptions.NotFound(f"没有名为“{name}”的线索操作。")
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, lead)
        services.lead_transition(
            lead,
            name,
            actor=request.user,
            version=lead.version,
            ip=client_ip(request),
            **body.validated_data,
        )
        return lead_answer(request, lead.pk)


class LeadPhotos(APIView):
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        tags=["screening"],
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, **errors(400, 401, 403, 404, 409, 413)},
        description="A photo of the lead (JPEG or PNG, at most 5 MB, at most 5 a lead): "
        "re-encoded upright, its EXIF location dropped unless `keep_location`.",
    )
    def post(self, request, pk: int):
        lead = read_lead(request, pk)
        body = PhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        photo = services.lead_photo_add(
            lead,
            actor=request.user,
            data=upload.read(),
            keep_location=body.validated_data["keep_location"],
        )
        return Response(
            {"id": photo.pk, "size": photo.size, "sha256": photo.sha256},
            status=status.HTTP_201_CREATED,
        )


class SweepList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=["screening"],
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, required=False),
            OpenApiParameter("page_size", OpenApiTypes.INT, required=False),
        ],
        responses={200: SweepSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(lead_selectors.sweeps_for(request.user), request, self)
        return paginator.get_paginated_response(SweepSerializer(page, many=True).data)

    @extend_schema(
        tags=["screening"],
        request=SweepCreateSerializer,
        responses={201: SweepDetailSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request):
        body = SweepCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        sweep = services.sweep_open(actor=request.user, **body.validated_data)
        return Response(
            SweepDetailSerializer(sweep).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"{request.path}{sweep.pk}/"},
        )


def read_sweep(request, pk: int) -> Sweep:
    return get_object_or_404(lead_selectors.sweeps_for(request.user), pk=pk)


class SweepDetail(APIView):
    @extend_schema(tags=["screening"], responses={200: SweepDetailSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        return Response(SweepDetailSerializer(read_sweep(request, pk)).data)


class SweepReports(APIView):
    @extend_schema(
        tags=["screening"],
        request=SweepReportInSerializer,
        responses={201: SweepReportSerializer, **errors(400, 401, 403, 404, 409)},
        description="A unit's report: `zero: true` (零报告) when nothing was found, `zero: "
        "false` once its leads are reported.",
    )
    def post(self, request, pk: int):
        sweep = read_sweep(request, pk)
        body = SweepReportInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.sweep_report(sweep, actor=request.user, **body.validated_data)
        data = {
            "id": report.pk,
            "region": RegionBriefSerializer(report.region).data,
            "zero": report.zero,
            "note": report.note,
            "at": serializers.DateTimeField().to_representation(report.at),
        }
        return Response(data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("leads/", LeadList.as_view(), name="leads"),
    path("leads/<int:pk>/", LeadDetail.as_view(), name="lead"),
    path(
        "leads/<int:pk>/transitions/<str:name>/",
        LeadTransition.as_view(),
        name="lead-transition",
    ),
    path("leads/<int:pk>/photos/", LeadPhotos.as_view(), name="lead-photos"),
    path("sweeps/", SweepList.as_view(), name="sweeps"),
    path("sweeps/<int:pk>/", SweepDetail.as_view(), name="sweep"),
    path("sweeps/<int:pk>/reports/", SweepReports.as_view(), name="sweep-reports"),
]
