"""Agreement drafts and signatures (SPEC §14 签署协议, §17): the assigned mediator's draft and
paper signatures under a case, the parties' own signatures under `public/` (party token).
The services (portal/signing.py) decide who may do what; a case outside the user's reach and
another case's signature do not exist (404)."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.public import PartyOnly
from api.serializers import AmountField, StrictSerializer, StringField
from api.views import IF_MATCH, FileAnswerView, PdfRenderer, apply_if_match, client_ip, get_case
from cases import scope
from cases.models import AgreementDraft, Signature
from core import net
from portal import signing
from portal.models import PartyToken
from portal.views import draft_pdf_response
from supervision import access_log

TAG = "cases"


class PartyBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SignatureSerializer(serializers.ModelSerializer):
    party = PartyBriefSerializer()

    class Meta:
        model = Signature
        fields = ["id", "party", "status", "signed_at"]


class DraftSerializer(serializers.ModelSerializer):
    signatures = SignatureSerializer(many=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = AgreementDraft
        fields = [
            "id",
            "kind",
            "status",
            "terms",
            "performance_method",
            "performance_deadline",
            "amount",
            "created_at",
            "signatures",
            "pdf_url",
        ]

    def get_pdf_url(self, draft) -> str:
        return reverse("api:case-agreement-draft-pdf", args=[draft.case_id])


class DraftRequestSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=["written"], required=False, default="written")
    terms = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        max_length=50,
        help_text="One term per item, without numbers (the AGR numbers them).",
    )
    performance_method = serializers.CharField(required=False, allow_blank=True, max_length=200)
    performance_deadline = serializers.DateField()
    amount = AmountField(name="amount")
    facts = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    responsibilities = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class PaperSignatureSerializer(StrictSerializer):
    party = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The party id.")
    file = serializers.FileField(help_text="A photo of the signed page: JPEG or PNG, at most 5 MB")


def _open_draft_of(request, pk: int):
    case = get_case(request, pk)
    draft = signing.open_draft(case)
    if draft is None:
        raise exceptions.NotFound("该案件没有待签署的协议草稿。")
    return case, draft


class AgreementDraftView(APIView):
    @extend_schema(
        tags=[TAG],
        responses={200: DraftSerializer, **errors(401, 404)},
        description="The case's open agreement draft and each party's signature status.",
    )
    def get(self, request, pk: int):
        _, draft = _open_draft_of(request, pk)
        return Response(DraftSerializer(draft).data)

    @extend_schema(
        tags=[TAG],
        request=DraftRequestSerializer,
        parameters=[IF_MATCH],
        responses={201: DraftSerializer, **errors(400, 401, 403, 404, 409)},
        description="An assigned mediator, the case in 调解: a written agreement draft for the "
        "parties to sign (one pending signature per applicant and respondent, each sent the "
        "签署邀请 SMS). An open draft before it is superseded with its signatures.",
    )
    def post(self, request, pk: int):
        case = get_case(request, pk)
        body = DraftRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, case)
        draft = signing.prepare_draft(
            case, request.user, None, ip=client_ip(request), **body.validated_data
        )
        draft = signing.open_draft(case) or draft
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)


class AgreementDraftPdf(FileAnswerView):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]
    file_renderer = PdfRenderer

    @extend_schema(
        tags=[TAG],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 403, 404),
        },
        description="The open draft as a PDF (the 调解协议书 marked 草稿), rendered on request; "
        "the committee's members only (it prints the parties' identity).",
    )
    def get(self, request, pk: int):
        case, draft = _open_draft_of(request, pk)
        if not scope.sees_personal_data(request.user, case):
            raise exceptions.PermissionDenied("协议草稿只有本调委会的人员可以查看。")
        access_log.record(
            request.user,
            kind=access_log.Kind.PDF_DOWNLOAD,
            ip=client_ip(request),
            case=case,
            detail=f"API：协议草稿 {draft.pk}",
        )
        return draft_pdf_response(draft)


class PaperSignature(APIView):
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        tags=[TAG],
        request={"multipart/form-data": PaperSignatureSerializer},
        parameters=[IF_MATCH],
        responses={201: SignatureSerializer, **errors(400, 401, 403, 404, 409, 413)},
        description="An assigned mediator marks that `party` signed the paper agreement, with a "
        "photo of the signed page (re-encoded upright, no location).",
    )
    def post(self, request, pk: int):
        case, draft = _open_draft_of(request, pk)
        body = PaperSignatureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signature = draft.signatures.filter(party_id=body.validated_data["party"]).first()
        if signature is None:
            raise exceptions.NotFound("该当事人不在这份协议草稿的签署人中。")
        apply_if_match(request, case)
        signature.draft.case = case
        signing.mark_paper(
            signature,
            actor=request.user,
            photo=body.validated_data["file"].read(),
            version=case.version,
            ip=client_ip(request),
        )
        return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)


# --- the parties (party token) -----------------------------------------------------------------


class PublicSignatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    draft_pdf_url = serializers.CharField()
    status = serializers.CharField()


class SignRequestSerializer(StrictSerializer):
    sms_code = StringField(max_length=12)
    image = StringField(
        max_length=300_000, help_text="The handwritten signature: data:image/png;base64,…"
    )


class SignAnswerSerializer(serializers.Serializer):
    signed_at = serializers.DateTimeField()
    sha256 = serializers.CharField()


class PublicSignatures(PartyOnly):
    @extend_schema(
        tags=["public"],
        responses={200: PublicSignatureSerializer(many=True), **errors(401, 429)},
        description="The session party's own signatures of the case's agreement drafts. Ask a "
        "code with `POST public/sms-codes/` purpose `sign`, then sign.",
    )
    def get(self, request):
        session: PartyToken = request.auth
        rows = [
            {
                "id": s.pk,
                "case_number": s.draft.case.number,
                "draft_pdf_url": reverse("api:public-signature-draft-pdf", args=[s.pk]),
                "status": s.status,
            }
            for s in signing.signatures_of(session.case, session.phone)
        ]
        return Response(PublicSignatureSerializer(rows, many=True).data)


class PublicSign(PartyOnly):
    @extend_schema(
        tags=["public"],
        request=SignRequestSerializer,
        responses={201: SignAnswerSerializer, **errors(400, 401, 403, 404, 409, 429)},
        description="Sign with the SMS code (purpose `sign`) and the handwritten signature as a "
        "PNG data URL (at most 200 KB). Only the party's own signature of an open draft.",
    )
    def post(self, request, pk: int):
        session: PartyToken = request.auth
        signature = signing.signature_for_session(session.case, pk)
        body = SignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signing.sign(
            signature,
            phone=session.phone,
            sms_code=body.validated_data["sms_code"],
            image_data_url=body.validated_data["image"],
            ip=net.client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        answer = {"signed_at": signature.signed_at, "sha256": signature.sha256}
        return Response(SignAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class PublicSignatureDraftPdf(FileAnswerView):
    authentication_classes = PartyOnly.authentication_classes
    permission_classes = PartyOnly.permission_classes
    throttle_classes = PartyOnly.throttle_classes
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]
    file_renderer = PdfRenderer

    @extend_schema(
        tags=["public"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 404, 429),
        },
    )
    def get(self, request, pk: int):
        session: PartyToken = request.auth
        signature = signing.signature_for_session(session.case, pk)
        if signature.party.phone != session.phone:
            raise exceptions.NotFound("签名不存在。")
        return draft_pdf_response(signature.draft)


urlpatterns = [
    path(
        "cases/<int:pk>/agreement-draft/",
        AgreementDraftView.as_view(),
        name="case-agreement-draft",
    ),
    path(
        "cases/<int:pk>/agreement-draft/pdf/",
        AgreementDraftPdf.as_view(),
        name="case-agreement-draft-pdf",
    ),
    path(
        "cases/<int:pk>/agreement-draft/paper-signature/",
        PaperSignature.as_view(),
        name="case-agreement-draft-paper-signature",
    ),
]

public_urlpatterns = [
    path("signatures/", PublicSignatures.as_view(), name="public-signatures"),
    path("signatures/<int:pk>/", PublicSign.as_view(), name="public-signature"),
    path(
        "signatures/<int:pk>/draft/pdf/",
        PublicSignatureDraftPdf.as_view(),
        name="public-signature-draft-pdf",
    ),
]
