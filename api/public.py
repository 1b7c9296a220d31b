"""The parties' endpoints (SPEC §14, `/api/v1/public/`): no staff account, throttled per client
address on top of the per-phone limits of portal/services.py. A party session is a token of
`POST public/sessions/`, sent as `Authorization: Party <token>`, for one case, 30 minutes."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse
from django.urls import path, reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.serializers import StrictSerializer, StringField
from api.throttling import _SettingsRateThrottle
from api.views import DocumentPdf
from cases.choices import Gender, IdType, Satisfaction
from cases.models import DisputeType, Region
from core.net import client_ip
from portal import applications, follow, ratings, services
from portal.models import PartyToken


class PublicThrottle(_SettingsRateThrottle):
    """Requests per client address to the public endpoints."""

    scope = "public"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PartyAuthentication(authentication.BaseAuthentication):
    keyword = "Party"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("查询凭证格式不正确，请重新验证手机号码。")
        session = services.session_case(header[1].decode("latin-1"))
        if session is None:
            raise exceptions.AuthenticationFailed("查询已超时（30分钟），请重新验证手机号码。")
        return AnonymousUser(), session

    def authenticate_header(self, request):
        return self.keyword


class PartyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PartyAuthentication
    name = "partyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization"}


class HasPartySession(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, PartyToken)


class Public(APIView):
    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicThrottle]


class PartyOnly(APIView):
    authentication_classes = [PartyAuthentication]
    permission_classes = [HasPartySession]
    throttle_classes = [PublicThrottle]


MOBILE = r"^1[3-9][0-9]{9}$"
MOBILE_MESSAGE = {"invalid": "请填写11位手机号码。"}


class SmsCodeRequestSerializer(StrictSerializer):
    phone = serializers.RegexField(MOBILE, max_length=11, error_messages=MOBILE_MESSAGE)
    purpose = serializers.ChoiceField(choices=["apply", "follow", "sign"])
    case_code = StringField(max_length=20, required=False, allow_blank=True)


class SmsCodeAnswerSerializer(serializers.Serializer):
    expires_in = serializers.IntegerField()


class SessionRequestSerializer(StrictSerializer):
    case_code = StringField(max_length=20)
    phone = serializers.RegexField(MOBILE, max_length=11, error_messages=MOBILE_MESSAGE)
    sms_code = StringField(max_length=12)


class SessionAnswerSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class PublicSessionSerializer(serializers.Serializer):
    held_at = serializers.CharField()
    place = serializers.CharField()


class PublicDocumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    issued_at = serializers.CharField()
    pdf_url = serializers.CharField()


class NameSerializer(serializers.Serializer):
    name = serializers.CharField()


class PublicRatingStateSerializer(serializers.Serializer):
    can_rate = serializers.BooleanField()
    given = serializers.CharField(allow_null=True)


class PublicCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    next_step = serializers.CharField()
    next_date = serializers.DateField(allow_null=True)
    sessions = PublicSessionSerializer(many=True)
    next_session = PublicSessionSerializer(allow_null=True)
    documents = PublicDocumentSerializer(many=True)
    other_parties = NameSerializer(many=True)
    rating = PublicRatingStateSerializer()


class ApplicantSerializer(StrictSerializer):
    """The applicant (a person): the phone is the verified one of the request."""

    role = serializers.RegexField(r"^applicant$", required=False, help_text="applicant")
    kind = serializers.RegexField(r"^person$", required=False, help_text="person")
    name = serializers.CharField(max_length=100)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_country = serializers.CharField(max_length=3, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="ignored: the verified phone"
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RespondentSerializer(StrictSerializer):
    """The other party: the name, and the phone and address if known."""

    role = serializers.RegexField(r"^respondent$", required=False, help_text="respondent")
    kind = serializers.RegexField(r"^person$", required=False, help_text="person")
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ApplicationRequestSerializer(StrictSerializer):
    phone = serializers.RegexField(MOBILE, max_length=11, error_messages=MOBILE_MESSAGE)
    sms_code = StringField(max_length=12)
    applicant = ApplicantSerializer()
    respondent = RespondentSerializer()
    region = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The village (村/社区) where the dispute is."
    )
    dispute_type = serializers.SlugField(max_length=32, help_text="A code of /dispute-types/.")
    facts = serializers.CharField(max_length=5000)
    requests = serializers.CharField(max_length=2000)
    rights_acknowledged = serializers.BooleanField()

    def validate_region(self, value):
        found = Region.objects.filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError("所选的村（社区）不存在。")
        return found

    def validate_dispute_type(self, value):
        found = DisputeType.objects.filter(taxonomy__is_current=True, code=value).first()
        if found is None:
            raise serializers.ValidationError(f"未知的纠纷类型代码“{value}”。")
        return found


class ApplicationOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ApplicationAnswerSerializer(serializers.Serializer):
    reference = serializers.CharField()
    organization = ApplicationOrganizationSerializer()


class Applications(Public):
    @extend_schema(
        tags=["public"],
        auth=[],
        request=ApplicationRequestSerializer,
        responses={201: ApplicationAnswerSerializer, **errors(400, 429)},
        description="An online application (网上申请, SPEC §14), after `POST public/sms-codes/` "
        "with purpose `apply`. Routed to the committee of the village `region`; limits per "
        "phone (3 pending, 5 a day) and per client address (10 a day) answer 429.",
    )
    def post(self, request):
        data = ApplicationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = dict(data.validated_data)
        applicant = dict(body.pop("applicant"))
        for key in ("role", "kind", "phone"):
            applicant.pop(key, None)
        respondent = dict(body.pop("respondent"))
        respondent.pop("role", None)
        respondent.pop("kind", None)
        submitted = applications.application_submit(
            applicant=applicant, respondent=respondent, ip=client_ip(request), **body
        )
        answer = {
            "reference": submitted.application.reference,
            "organization": {"id": submitted.organization.pk, "name": submitted.organization.name},
        }
        return Response(answer, status=status.HTTP_201_CREATED)


class SmsCodes(Public):
    @extend_schema(
        tags=["public"],
        auth=[],
        request=SmsCodeRequestSerializer,
        responses={202: SmsCodeAnswerSerializer, **errors(400, 429)},
    )
    def post(self, request):
        data = SmsCodeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expires_in = services.code_request(**data.validated_data)
        return Response({"expires_in": expires_in}, status=status.HTTP_202_ACCEPTED)


class Sessions(Public):
    @extend_schema(
        tags=["public"],
        auth=[],
        request=SessionRequestSerializer,
        responses={201: SessionAnswerSerializer, **errors(400, 429)},
    )
    def post(self, request):
        data = SessionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opened = services.session_open(**data.validated_data)
        answer = SessionAnswerSerializer({"token": opened.token, "expires_at": opened.expires_at})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class PublicCase(PartyOnly):
    @extend_schema(tags=["public"], responses={200: PublicCaseSerializer, **errors(401, 429)})
    def get(self, request):
        session: PartyToken = request.auth
        shown = follow.view(session.case, session.phone)
        for doc in shown["documents"]:
            doc["pdf_url"] = reverse("api:public-document-pdf", args=[doc.pop("id")])
        shown.pop("organization")
        shown["rating"] = ratings.state(session.case, session.phone)
        return Response(PublicCaseSerializer(shown).data)


class PublicDocumentPdf(DocumentPdf):
    authentication_classes = [PartyAuthentication]
    permission_classes = [HasPartySession]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        tags=["public"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 404, 429),
        },
    )
    def get(self, request, pk: int):
        session: PartyToken = request.auth
        doc = follow.party_document(session.case, pk)
        if doc is None or not doc.file:
            raise exceptions.NotFound("文书不存在。")
        response = FileResponse(
            doc.file.open("rb"),
            content_type="application/pdf",
            filename=f"{doc.code}-{doc.pk}-v{doc.version}.pdf",
        )
        response["ETag"] = f'"{doc.sha256}"'
        return response


class RatingRequestSerializer(StrictSerializer):
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices,  # the visit's own set: one enum in the schema
        error_messages={"invalid_choice": "请选择满意、基本满意或不满意。"},
    )
    comment = StringField(max_length=ratings.COMMENT_MAX, required=False, allow_blank=True)


class RatingAnswerSerializer(serializers.Serializer):
    satisfaction = serializers.CharField()
    created_at = serializers.DateTimeField()


class PublicRatings(PartyOnly):
    @extend_schema(
        tags=["public"],
        request=RatingRequestSerializer,
        responses={201: RatingAnswerSerializer, **errors(400, 401, 404, 409, 429)},
    )
    def post(self, request):
        session: PartyToken = request.auth
        data = RatingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = ratings.rate(
            session.case, phone=session.phone, ip=client_ip(request), **data.validated_data
        )
        answer = RatingAnswerSerializer(given[0])
        return Response(answer.data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("sms-codes/", SmsCodes.as_view(), name="public-sms-codes"),
    path("sessions/", Sessions.as_view(), name="public-sessions"),
    path("applications/", Applications.as_view(), name="public-applications"),
    path("case/", PublicCase.as_view(), name="public-case"),
    path("ratings/", PublicRatings.as_view(), name="public-ratings"),
    path("documents/<int:pk>/pdf/", PublicDocumentPdf.as_view(), name="public-document-pdf"),
]
