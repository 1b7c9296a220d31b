"""The endpoints of SPEC §15/§17 for the county's own work: the mediator register and its
trainings, the 以案定补 tariffs and claims (their steps and the finance export). Included into
the API's v1 routes by api/urls.py. As in api/views.py: find the object in the user's scope
(else 404), check the request's shape, call the one service, answer."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.pagination import Pagination
from api.serializers import OrganizationBriefSerializer, RegionBriefSerializer, StrictSerializer
from api.views import IF_MATCH_RE, FileAnswerView, PdfRenderer
from cases import choices, scope
from cases.models import Region
from cases.validators import mask
from county import register, subsidy
from county.models import (
    Claim,
    ClaimStatus,
    Difficulty,
    MediatorKind,
    MediatorRecord,
    ReviewRound,
    Tariff,
    Training,
)
from registers.claims import claim_xlsx
from workflows import services
from workflows.services import mediators as register_services
from workflows.services import reviews
from workflows.services import subsidies as claims

TAG_MEDIATORS, TAG_SUBSIDIES = "mediators", "subsidies"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- mediators ----------------------------------------------------------------------------
class MediatorInSerializer(StrictSerializer):
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(
        choices=[("", "不详"), *choices.Gender.choices], required=False, default=""
    )
    birth_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True, default=None
    )
    id_type = serializers.ChoiceField(choices=choices.IdType.choices, default="resident_id")
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    organizations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), min_length=1,
        max_length=20, help_text="Committee ids (GET /organizations/).",
    )  # fmt: skip
    kind = serializers.ChoiceField(choices=MediatorKind.choices)
    grade = serializers.IntegerField(min_value=1, max_value=4, help_text="1 一级 … 4 四级")
    appointed_on = serializers.DateField()
    term_ends_on = serializers.DateField()
    filed = serializers.BooleanField(default=False)
    user = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None,
        help_text="The mediator's account (a mediator or director of one of the committees).",
    )  # fmt: skip

    def validate(self, attrs):
        for name in ("appointed_on", "term_ends_on"):
            if not 1900 <= attrs[name].year <= 2100:
                raise serializers.ValidationError({name: ["日期须在1900年至2100年之间。"]})
        return attrs


class MediatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    gender = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    id_type = serializers.CharField()
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    organizations = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=MediatorKind.choices)
    grade = serializers.IntegerField()
    appointed_on = serializers.DateField()
    term_ends_on = serializers.DateField()
    filed = serializers.BooleanField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    training_hours = serializers.SerializerMethodField(help_text="This year's total.")
    min_training_hours = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()
    masked = serializers.SerializerMethodField()

    def _full(self, record: MediatorRecord) -> bool:
        return register_services.sees_id_in_full(self.context["request"].user, record)

    def get_id_number(self, record) -> str:
        return record.id_number if self._full(record) else mask(record.id_number)

    def get_phone(self, record) -> str:
        return record.phone if self._full(record) else mask(record.phone)

    def get_masked(self, record) -> bool:
        return not self._full(record)

    def get_organizations(self, record) -> list[int]:
        return sorted(o.pk for o in record.organizations.all())

    def get_training_hours(self, record) -> str:
        return str(register.training_hours(record, timezone.localdate().year))

    def get_min_training_hours(self, record) -> str:
        return str(register.min_training_hours(register.record_county(record)))

    def get_alerts(self, record) -> list[str]:
        return [a.message for a in register.alerts_for(record, timezone.localdate())]


class TrainingInSerializer(StrictSerializer):
    held_on = serializers.DateField()
    topic = serializers.CharField(max_length=200)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.5"),
        max_value=Decimal("1000"),
    )  # fmt: skip
    organiser = serializers.CharField(max_length=100)

    def validate_held_on(self, value):
        if not 1900 <= value.year <= 2100:
            raise serializers.ValidationError("日期须在1900年至2100年之间。")
        return value


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "held_on", "topic", "hours", "organiser"]


def _mediators_for(user):
    return (
        MediatorRecord.objects.filter(register_services.records_visible_to(user))
        .prefetch_related("organizations")
        .order_by("name", "id")
    )


PAGE = [
    OpenApiParameter("page", OpenApiTypes.INT, required=False),
    OpenApiParameter("page_size", OpenApiTypes.INT, required=False),
]


class MediatorList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG_MEDIATORS],
        parameters=PAGE,
        responses={200: MediatorSerializer(many=True), **errors(400, 401, 404)},
        description="The mediator register (人民调解员名册) of the committees the user belongs "
        "to or supervises; ID and phone numbers masked except for the committee and the "
        "mediator (SPEC §11).",
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_mediators_for(request.user), request, self)
        data = MediatorSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=[TAG_MEDIATORS],
        request=MediatorInSerializer,
        responses={201: MediatorSerializer, **errors(400, 401, 403, 404)},
        description="Enter a mediator: the director of the committee(s), or a supervisor of "
        "their region.",
    )
    def post(self, request):
        body = MediatorInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.mediator_register(actor=request.user, **body.validated_data)
        return Response(
            MediatorSerializer(record, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"{request.path}{record.pk}/"},
        )


def read_mediator(request, pk: int) -> MediatorRecord:
    return get_object_or_404(_mediators_for(request.user), pk=pk)


class MediatorDetail(APIView):
    @extend_schema(tags=[TAG_MEDIATORS], responses={200: MediatorSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        record = read_mediator(request, pk)
        return Response(MediatorSerializer(record, context={"request": request}).data)


class MediatorTrainings(APIView):
    @extend_schema(
        tags=[TAG_MEDIATORS], responses={200: TrainingSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        record = read_mediator(request, pk)
        return Response(TrainingSerializer(record.trainings.all(), many=True).data)

    @extend_schema(
        tags=[TAG_MEDIATORS],
        request=TrainingInSerializer,
        responses={201: TrainingSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        record = read_mediator(request, pk)
        body = TrainingInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        training = services.training_add(record, actor=request.user, **body.validated_data)
        return Response(TrainingSerializer(training).data, status=status.HTTP_201_CREATED)


# --- tariffs ------------------------------------------------------------------------------
class AmountsSerializer(StrictSerializer):
    ordinary = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    major = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    complex = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    grave = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


SHARE = {"max_digits": 4, "decimal_places": 2, "min_value": 0, "max_value": 1}


class TariffInSerializer(StrictSerializer):
    region = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A county (GET /regions/)."
    )
    valid_from = serializers.DateField()
    amounts = AmountsSerializer(help_text="Yuan per difficulty class.")
    oral_share = serializers.DecimalField(**SHARE, default="0.50")
    terminated_share = serializers.DecimalField(**SHARE, default="0.30")

    def validate_valid_from(self, value):
        if not 2000 <= value.year <= 2100:
            raise serializers.ValidationError("日期须在2000年至2100年之间。")
        return value


class TariffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    region = RegionBriefSerializer()
    valid_from = serializers.DateField()
    amounts = serializers.SerializerMethodField()
    oral_share = serializers.DecimalField(max_digits=4, decimal_places=2)
    terminated_share = serializers.DecimalField(max_digits=4, decimal_places=2)

    def get_amounts(self, tariff) -> dict[str, str]:
        return {d: str(tariff.amount_for(d)) for d in Difficulty.values}


class TariffList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG_SUBSIDIES],
        parameters=PAGE,
        responses={200: TariffSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        regions = Region.objects.filter(scope.visible_regions_q(request.user)).values("pk")
        paths = [r.path for r in Region.objects.filter(scope.visible_regions_q(request.user))]
        above = {int(p) for path_ in paths for p in path_.split("/") if p}
        tariffs = (
            Tariff.objects.filter(Q(region__in=regions) | Q(region__in=above))
            .select_related("region")
            .order_by("region__path", "-valid_from", "id")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(tariffs, request, self)
        return paginator.get_paginated_response(TariffSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG_SUBSIDIES],
        request=TariffInSerializer,
        responses={201: TariffSerializer, **errors(400, 401, 403, 404)},
        description="A county's tariff from `valid_from` on (a county supervisor).",
    )
    def post(self, request):
        body = TariffInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tariff = services.tariff_set(actor=request.user, **body.validated_data)
        return Response(TariffSerializer(tariff).data, status=status.HTTP_201_CREATED)


# --- claims -------------------------------------------------------------------------------
class ClaimCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class ClaimShareSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="mediator_id")
    name = serializers.SerializerMethodField()
    share = serializers.DecimalField(max_digits=5, decimal_places=4)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)

    def get_name(self, share) -> str:
        return share.mediator.get_full_name() or share.mediator.username


class ClaimLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = ClaimCaseSerializer()
    basis = serializers.CharField()
    proposed_difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    proposal_reasons = serializers.ListField(child=serializers.CharField())
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    difficulty_reason = serializers.CharField()
    struck = serializers.BooleanField()
    struck_reason = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    mediators = ClaimShareSerializer(source="shares", many=True)
    flags = serializers.ListField(child=serializers.CharField())
    flag_labels = serializers.SerializerMethodField()

    def get_flag_labels(self, line) -> list[str]:
        return claims.flag_labels(line)


class ClaimEventSerializer(serializers.Serializer):
    name = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()

    def get_actor(self, event) -> str:
        return event.actor.get_full_name() if event.actor else ""


class ClaimExcludedSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    gaps = serializers.ListField(child=serializers.CharField())


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationBriefSerializer()
    period = serializers.CharField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    version = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    published_at = serializers.DateTimeField(allow_null=True)
    lines = ClaimLineSerializer(many=True)
    excluded = ClaimExcludedSerializer(many=True)
    events = ClaimEventSerializer(many=True)
    allowed_transitions = serializers.SerializerMethodField()

    def get_allowed_transitions(self, claim) -> list[str]:
        return claims.allowed_steps(self.context["request"].user, claim)


class ClaimInSerializer(StrictSerializer):
    organization = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    period = serializers.RegexField(subsidy.PERIOD.pattern, help_text='e.g. "2026-Q4"')


class ClaimLineEditSerializer(StrictSerializer):
    id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    struck = serializers.BooleanField(required=False)
    reason = serializers.CharField(max_length=500)


class ClaimStepSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lines = ClaimLineEditSerializer(many=True, required=False, help_text="review only")


def _claims_for(user):
    return (
        Claim.objects.filter(claims.claims_visible_q(user))
        .select_related("organization__region", "tariff")
        .prefetch_related(
            "lines__case", "lines__shares__mediator", "lines__duplicate_of", "events__actor"
        )  # fmt: skip
        .order_by("-year", "-quarter", "organization__name", "id")
    )


def read_claim(request, pk: int) -> Claim:
    return get_object_or_404(_claims_for(request.user), pk=pk)


def claim_answer(request, pk: int, code=status.HTTP_200_OK, headers=None) -> Response:
    data = ClaimSerializer(read_claim(request, pk), context={"request": request}).data
    return Response(data, status=code, headers=headers)


class ClaimList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG_SUBSIDIES],
        parameters=PAGE,
        responses={200: ClaimSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_claims_for(request.user), request, self)
        data = ClaimSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=[TAG_SUBSIDIES],
        request=ClaimInSerializer,
        responses={201: ClaimSerializer, **errors(400, 401, 403, 404, 409)},
        description="The system drafts the committee's claim for the quarter from its archived "
        "cases (the director); drafting again redraws a draft.",
    )
    def post(self, request):
        body = ClaimInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = services.claim_draft(actor=request.user, **body.validated_data)
        return claim_answer(
            request, claim.pk, status.HTTP_201_CREATED, {"Location": f"{request.path}{claim.pk}/"}
        )


class ClaimDetail(APIView):
    @extend_schema(tags=[TAG_SUBSIDIES], responses={200: ClaimSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        return claim_answer(request, pk)


IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": "^" + IF_MATCH_RE.pattern.replace("?P<version>", "") + "$"},
    OpenApiParameter.HEADER,
    required=False,
    description='Optional: the claim `version` last read, e.g. "7" (409 conflict if stale).',
)


class ClaimTransition(APIView):
    @extend_schema(
        tags=[TAG_SUBSIDIES],
        request=ClaimStepSerializer,
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(claims.STEPS)
            ),
            IF_MATCH,
        ],
        responses={200: ClaimSerializer, **errors(400, 401, 403, 404, 409)},
        description="submit (director), review {lines: [{id, difficulty?, struck?, reason}]} "
        "(township supervisor), approve, publish, finalize (county supervisor; after the "
        "7-day 公示).",
    )
    def post(self, request, pk: int, name: str):
        claim = read_claim(request, pk)
        if name not in claims.STEPS:
            raise exceptions.NotFound(f"没有名为“{name}”的申报操作。")
        body = ClaimStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = if_match_version(request)
        data = dict(body.validated_data)
        services.claim_transition(claim, name, actor=request.user, version=version, **data)
        return claim_answer(request, claim.pk)


class ShareInSerializer(StrictSerializer):
    mediator = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A mediator of the case (a user id)."
    )
    share = serializers.DecimalField(
        max_digits=8, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("100"),
        help_text="A fraction (0.6) or a percentage (60); a line's shares add up to 1 or 100.",
    )  # fmt: skip


class SharesInSerializer(StrictSerializer):
    shares = ShareInSerializer(many=True, allow_empty=False, max_length=50)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_shares(self, value):
        if len({row["mediator"] for row in value}) != len(value):
            raise serializers.ValidationError("同一调解员只能设定一次比例。")
        return value


def if_match_version(request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:  # an empty If-Match is a malformed one, not none
        return None
    match = IF_MATCH_RE.fullmatch(header.strip())
    if match is None:
        raise exceptions.ValidationError({"If-Match": ["须为申报的 version（整数）。"]})
    return int(match["version"])


class ClaimLineShares(APIView):
    @extend_schema(
        tags=[TAG_SUBSIDIES],
        request=SharesInSerializer,
        parameters=[IF_MATCH],
        responses={200: ClaimSerializer, **errors(400, 401, 403, 404, 409)},
        description="The director sets the shares of one line between the case's mediators "
        "while the claim is a draft (every mediator of the case once; fractions adding up to "
        "1 or percentages adding up to 100); until then they share equally.",
    )
    def post(self, request, pk: int, line: int):
        claim = read_claim(request, pk)
        found = get_object_or_404(claim.lines.all(), pk=line)
        body = SharesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shares = {row["mediator"]: row["share"] for row in body.validated_data["shares"]}
        services.claim_set_shares(
            claim,
            actor=request.user,
            line=found,
            shares=shares,
            reason=body.validated_data["reason"],
            version=if_match_version(request),
        )
        return claim_answer(request, claim.pk)


class XlsxRenderer(renderers.BaseRenderer):
    media_type = XLSX
    format = "xlsx"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise AssertionError("errors are rendered as JSON (FileAnswerView.finalize_response)")


class ClaimExport(FileAnswerView):
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]
    file_renderer = XlsxRenderer

    @extend_schema(
        tags=[TAG_SUBSIDIES],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **errors(401, 404)},
        description="The finance office's workbook: per mediator and per case, adding up to "
        "the claim's total.",
    )
    def get(self, request, pk: int):
        claim = read_claim(request, pk)
        response = HttpResponse(claim_xlsx(claim), content_type=XLSX)
        name = f"claim-{claim.pk}-{claim.period}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- file review rounds -------------------------------------------------------------------
class ReviewInSerializer(StrictSerializer):
    """A round's region subtree, period (`from`, `to`: archived in it), sampling rule and seed."""

    region = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    confirmed_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                             max_value=100, default="10")  # fmt: skip
    other_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                         max_value=100, default="5")  # fmt: skip
    min_per_committee = serializers.IntegerField(min_value=0, max_value=100, default=1)
    seed = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def get_fields(self):
        # `from` and `to` are Python keywords: no class attributes of those names.
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        fields["to"] = serializers.DateField()
        return fields

    def validate(self, attrs):
        for name in ("from", "to"):
            if not 1900 <= attrs[name].year <= 2100:
                raise serializers.ValidationError({name: ["日期须在1900年至2100年之间。"]})
        return attrs


class ReviewItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = ClaimCaseSerializer()
    organization = serializers.IntegerField(source="organization_id")
    confirmed = serializers.BooleanField()
    prefill = serializers.DictField(child=serializers.ListField())
    scores = serializers.DictField(child=serializers.IntegerField())
    reasons = serializers.DictField(child=serializers.CharField())
    total = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    region = RegionBriefSerializer()
    seed = serializers.CharField()
    maxima = serializers.DictField(child=serializers.IntegerField())
    items = serializers.SerializerMethodField()

    def get_items(self, round_) -> list[dict]:
        items = _items_for(self.context["request"].user, round_)
        return ReviewItemSerializer(items, many=True).data


class ScoreInSerializer(StrictSerializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=100))
    reasons = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False, default=dict
    )


class ReportRowSerializer(serializers.Serializer):
    organization = serializers.DictField()
    reviewed = serializers.IntegerField()
    items = serializers.IntegerField()
    average = serializers.CharField(allow_null=True)
    pass_rate = serializers.CharField(allow_null=True)


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    number = serializers.CharField(help_text="（2026）青山县评查整改字第0001号")
    deductions = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{case, aspect, label, max, score, deducted, reason}]",
    )
    issued_at = serializers.DateTimeField()
    answer_by = serializers.DateField(allow_null=True)
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.CharField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, notice) -> str | None:
        """The 整改通知书 (RVW) PDF; null until it is rendered."""
        request = self.context.get("request")
        if not notice.file or request is None:
            return None
        url = reverse("api:review-notice-pdf", args=[notice.round_id, notice.pk])
        return request.build_absolute_uri(url)


class AnswerInSerializer(StrictSerializer):
    answer = serializers.CharField(max_length=2000)


def _items_for(user, round_):
    from cases.choices import ORG_ROLES

    items = round_.items.select_related("case").order_by("organization_id", "id")
    if reviews.supervises(user, round_.region):
        return items
    return items.filter(
        organization_id__in=[
            m.organization_id for m in scope.memberships(user) if m.role in ORG_ROLES
        ]
    )


def read_round(request, pk: int) -> ReviewRound:
    return get_object_or_404(
        ReviewRound.objects.filter(pk__in=reviews.rounds_visible_to(request.user)).select_related(
            "region"
        ),
        pk=pk,
    )


class ReviewList(APIView):
    pagination_class = Pagination

    @extend_schema(tags=["reviews"], parameters=PAGE,
                   responses={200: ReviewSerializer(many=True), **errors(400, 401, 404)})  # fmt: skip
    def get(self, request):
        rounds = ReviewRound.objects.filter(pk__in=reviews.rounds_visible_to(request.user))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            rounds.select_related("region").order_by("-id"), request, self
        )
        data = ReviewSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["reviews"],
        request=ReviewInSerializer,
        responses={201: ReviewSerializer, **errors(400, 401, 403, 404)},
        description="Open a round over a region subtree (a supervisor of it); the sample is "
        "drawn with `seed` (given, or chosen and shown): the same seed draws the same sample.",
    )
    def post(self, request):
        body = ReviewInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        round_ = services.review_open(
            actor=request.user, period_from=data.pop("from"), period_to=data.pop("to"), **data
        )
        return Response(ReviewSerializer(round_, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip


class ReviewItems(APIView):
    @extend_schema(
        tags=["reviews"], responses={200: ReviewItemSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        round_ = read_round(request, pk)
        return Response(ReviewItemSerializer(_items_for(request.user, round_), many=True).data)


class ReviewItemScore(APIView):
    @extend_schema(
        tags=["reviews"],
        request=ScoreInSerializer,
        responses={200: ReviewItemSerializer, **errors(400, 401, 403, 404, 409)},
        description="Every aspect scored (acceptance, materials, documents, evidence, law, "
        "follow_up, filing); a pre-filled score changed needs `reasons[aspect]`.",
    )
    def post(self, request, pk: int, item: int):
        round_ = read_round(request, pk)
        found = get_object_or_404(_items_for(request.user, round_), pk=item)
        body = ScoreInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.review_score(found, actor=request.user, **body.validated_data)
        return Response(ReviewItemSerializer(found).data)


class ReviewReport(APIView):
    @extend_schema(
        tags=["reviews"], responses={200: ReportRowSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        round_ = read_round(request, pk)
        return Response(ReportRowSerializer(reviews.review_report(round_), many=True).data)


class ReviewNotices(APIView):
    @extend_schema(
        tags=["reviews"], responses={200: NoticeSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        round_ = read_round(request, pk)
        orgs = {i.organization_id for i in _items_for(request.user, round_)}
        notices = round_.notices.filter(organization_id__in=orgs)
        return Response(NoticeSerializer(notices, many=True, context={"request": request}).data)

    @extend_schema(
        tags=["reviews"],
        request=None,
        responses={201: NoticeSerializer(many=True), **errors(401, 403, 404, 409)},
        description="Issue the 整改通知 of every committee (all items scored first).",
    )
    def post(self, request, pk: int):
        round_ = read_round(request, pk)
        notices = services.review_issue_notices(round_, actor=request.user)
        for notice in notices:  # rendered after the request's commit (ATOMIC_REQUESTS off)
            notice.refresh_from_db()
        data = NoticeSerializer(notices, many=True, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReviewNoticeAnswer(APIView):
    @extend_schema(
        tags=["reviews"],
        request=AnswerInSerializer,
        responses={200: NoticeSerializer, **errors(400, 401, 403, 404)},
        description="The committee's answer (整改情况), by its director.",
    )
    def post(self, request, pk: int, notice: int):
        round_ = read_round(request, pk)
        found = get_object_or_404(round_.notices.all(), pk=notice)
        body = AnswerInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.review_answer(found, actor=request.user, **body.validated_data)
        return Response(NoticeSerializer(found, context={"request": request}).data)


class ReviewNoticePdf(FileAnswerView):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]
    file_renderer = PdfRenderer

    @extend_schema(
        tags=["reviews"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 404, 409),
        },
        description="The 整改通知书 (RVW) PDF of one committee: whoever sees the notice (the "
        "round's supervisors, the committee); 409 until it is rendered.",
    )
    def get(self, request, pk: int, notice: int):
        round_ = read_round(request, pk)
        found = reviews.notice_pdf(request.user, round_, notice)
        response = FileResponse(
            found.file.open("rb"), content_type="application/pdf", filename=f"RVW-{found.pk}.pdf"
        )
        response["ETag"] = f'"{found.sha256}"'
        return response


urlpatterns = [
    path("mediators/", MediatorList.as_view(), name="mediators"),
    path("mediators/<int:pk>/", MediatorDetail.as_view(), name="mediator"),
    path("mediators/<int:pk>/trainings/", MediatorTrainings.as_view(), name="mediator-trainings"),
    path("subsidies/tariffs/", TariffList.as_view(), name="tariffs"),
    path("subsidies/claims/", ClaimList.as_view(), name="claims"),
    path("subsidies/claims/<int:pk>/", ClaimDetail.as_view(), name="claim"),
    path(
        "subsidies/claims/<int:pk>/transitions/<str:name>/",
        ClaimTransition.as_view(),
        name="claim-transition",
    ),
    path(
        "subsidies/claims/<int:pk>/lines/<int:line>/shares/",
        ClaimLineShares.as_view(),
        name="claim-shares",
    ),
    path("subsidies/claims/<int:pk>/export.xlsx", ClaimExport.as_view(), name="claim-export"),
    path("reviews/", ReviewList.as_view(), name="reviews"),
    path("reviews/<int:pk>/items/", ReviewItems.as_view(), name="review-items"),
    path(
        "reviews/<int:pk>/items/<int:item>/score/", ReviewItemScore.as_view(), name="review-score"
    ),
    path("reviews/<int:pk>/report/", ReviewReport.as_view(), name="review-report"),
    path("reviews/<int:pk>/notices/", ReviewNotices.as_view(), name="review-notices"),
    path(
        "reviews/<int:pk>/notices/<int:notice>/answer/",
        ReviewNoticeAnswer.as_view(),
        name="review-answer",
    ),
    path(
        "reviews/<int:pk>/notices/<int:notice>/pdf/",
        ReviewNoticePdf.as_view(),
        name="review-notice-pdf",
    ),
]
