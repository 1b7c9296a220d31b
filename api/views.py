"""SPEC §9 endpoints. Each view: find the case in the user's scope (else 404), check the request's
shape, call the one service, answer with a serializer. No state changes happen here."""

from __future__ import annotations

import re

from axes.utils import reset as axes_reset
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, permissions, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.sessions import must_change as must_change_password
from accounts.two_factor import token_refusal
from api import serializers as s
from api.errors import Refused, errors
from api.pagination import Pagination
from api.throttling import TokenIPThrottle, TokenUsernameThrottle
from cases import scope
from cases.models import DisputeType, Membership, Region
from core.errors import InvalidInput
from documents import access
from documents.models import Document
from supervision import access_log
from workflows import selectors, services
from workflows.services import judicial


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: a forwarded header is whatever the client chose to write.
    return request.META.get("REMOTE_ADDR") or None


def get_case(request, pk: int, queryset=None):
    """The case if the user may see it; otherwise it does not exist (SPEC §1: 404, never 403)."""
    if queryset is None:
        queryset = selectors.cases_for(request.user)
    return get_object_or_404(queryset, pk=pk)


# ASCII digits only: str.isdigit() accepts "²", which int() then refuses (a 500 before).
IF_MATCH_RE = re.compile(r'(?:W/)?"?(?P<version>[0-9]{1,9})"?')


def apply_if_match(request, case) -> None:
    """Optional optimistic lock: `If-Match: "<version>"` (the `version` of the case a client last
    read). The service compares it under the row lock and answers 409 conflict if stale."""
    header = request.headers.get("If-Match")
    if header is None:  # an empty If-Match is a malformed one, not none
        return
    match = IF_MATCH_RE.fullmatch(header.strip())
    if match is None:
        raise InvalidInput(
            "If-Match 须为案件的 version（整数）。", fields={"If-Match": ["须为整数"]}
        )
    case.version = int(match["version"])


def read_case(request, pk: int):
    """The case with everything its answer shows, if the user may see it."""
    return get_case(request, pk, selectors.case_detail_for(request.user))


def case_answer(
    request, pk: int, *, status_code=status.HTTP_200_OK, headers=None, case=None
) -> Response:
    case = case or read_case(request, pk)
    data = s.CaseDetailSerializer(case, context={"request": request}).data
    return Response(data, status=status_code, headers=headers)


IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": "^" + IF_MATCH_RE.pattern.replace("?P<version>", "") + "$"},
    OpenApiParameter.HEADER,
    required=False,
    description='Optional: the case `version` last read, e.g. "7"; a stale one answers 409 '
    "conflict instead of acting on a case that has changed.",
)


# --- auth and the user --------------------------------------------------------------------
class TokenView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenIPThrottle, TokenUsernameThrottle]

    @extend_schema(
        tags=["auth"],
        request=s.TokenRequestSerializer,
        auth=[],
        responses={200: s.TokenSerializer, **errors(400, 403, 429)},
    )
    def post(self, request):
        from django.contrib.auth import authenticate

        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The real HttpRequest: django-axes counts the failures and locks the username.
        user = authenticate(
            request=request._request, username=data["username"], password=data["password"]
        )
        if user is None:
            # The same answer for an unknown user and a wrong password.
            raise exceptions.ValidationError({"non_field_errors": ["用户名或密码不正确。"]})
        refuse_token(user, data["otp"])
        # The password was right: the failures counted so far no longer count (as a web login).
        axes_reset(username=user.get_username())
        row, token = tokens.issue(user, data["device"])
        return Response(s.TokenSerializer({"token": token, "expires_at": row.expiry}).data)


_OTP_REFUSALS = {
    "otp_required": (403, "该账户已启用两步验证：请同时提交身份验证器上的 6 位验证码（otp）。"),
    "otp_invalid": (403, "验证码不正确或已使用，请输入身份验证器上当前的 6 位验证码。"),
    "otp_throttled": (429, "验证码错误次数过多，请稍后再试。"),
    "otp_setup_required": (
        403,
        "该账户须先启用两步验证：请在网页上登录并按提示设置身份验证器，然后再获取令牌。",
    ),
}


def refuse_token(user, otp: str) -> None:
    """SPEC §12 for the token endpoint as for the web login: a password an admin set must be
    changed first, and a user with a second factor gives its code."""
    if must_change_password(user):
        raise Refused(
            403, "password_change_required", "请先在网页上登录并修改管理员设置的初始密码。"
        )
    refusal = token_refusal(user, otp or None)
    if refusal is not None:
        status_code, message = _OTP_REFUSALS[refusal]
        raise Refused(status_code, refusal, message)


class TokenList(APIView):
    """The caller's own unexpired tokens (SPEC §12), newest first; not paginated."""

    @extend_schema(tags=["auth"], responses={200: s.ApiTokenSerializer(many=True), **errors(401)})
    def get(self, request):
        return Response(s.ApiTokenSerializer(tokens.tokens_of(request.user), many=True).data)


class TokenDetail(APIView):
    @extend_schema(
        tags=["auth"],
        description="Revoke one of the caller's own tokens (the one in use included): it stops "
        "working at once. Someone else's id is not found.",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        if not tokens.revoke(request.user, pk):
            raise exceptions.NotFound("没有这个令牌。")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(tags=["me"], responses={200: s.MeSerializer, **errors(401)})
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


# --- reference lists ----------------------------------------------------------------------
class RegionList(generics.ListAPIView):
    serializer_class = s.RegionSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return Region.objects.filter(scope.visible_regions_q(self.request.user))

    @extend_schema(
        tags=["reference"], responses={200: s.RegionSerializer(many=True), **errors(400, 401, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrganizationList(generics.ListAPIView):
    serializer_class = s.OrganizationSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return selectors.organizations_for(self.request.user)

    @extend_schema(
        tags=["reference"],
        responses={200: s.OrganizationSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DisputeTypeList(generics.ListAPIView):
    serializer_class = s.DisputeTypeSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return DisputeType.objects.filter(taxonomy__is_current=True).order_by("order", "code")

    @extend_schema(
        tags=["reference"],
        responses={200: s.DisputeTypeSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrganizationMembers(APIView):
    @extend_schema(
        tags=["reference"],
        parameters=[s.MembersFilterSerializer],
        responses={200: s.MemberSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request, pk: int):
        organization = get_object_or_404(selectors.organizations_for(request.user), pk=pk)
        query = s.MembersFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        members = (
            Membership.objects.filter(organization=organization, user__is_active=True)
            .select_related("user")
            .order_by("role", "user__username")
        )
        if role := query.validated_data.get("role"):
            members = members.filter(role=role)
        return Response(s.MemberSerializer(members, many=True).data)


# --- cases --------------------------------------------------------------------------------
class CaseList(APIView):
    pagination_class = Pagination

    @extend_schema(
        tags=["cases"],
        parameters=[s.CaseFilterSerializer],
        responses={200: s.CaseSummarySerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        query = s.CaseFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        cases = selectors.filter_cases(selectors.cases_for(request.user), request.user, filters)
        paginator = self.pagination_class()
        known = selectors.tally_count(request.user, filters)  # None: the rows are counted
        page = paginator.paginate_queryset(cases, request, view=self, known_count=known)
        data = s.CaseSummarySerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["cases"],
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        serializer = s.CaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        case = services.case_register(
            actor=request.user, ip=client_ip(request), **serializer.validated_data
        )
        return case_answer(
            request,
            case.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"{request.path}{case.pk}/"},
        )


class CaseDetail(APIView):
    @extend_schema(tags=["cases"], responses={200: s.CaseDetailSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        case = read_case(request, pk)
        access_log.record(
            request.user, kind=access_log.Kind.API_CASE, ip=client_ip(request), case=case
        )
        return case_answer(request, pk, case=case)


TRANSITION_BODY = PolymorphicProxySerializer(
    component_name="TransitionBody",
    serializers=[
        s.AcceptSerializer,
        s.ReasonSerializer,
        s.RecordAgreementSerializer,
        s.WithdrawSerializer,
        s.ExtendDeadlineSerializer,
        s.ApproveClosureSerializer,
        s.EmptySerializer,
    ],
    resource_type_field_name=None,
)


class CaseTransition(APIView):
    @extend_schema(
        tags=["cases"],
        request=TRANSITION_BODY,
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(s.TRANSITIONS),
                description="The transition (SPEC §4).",
            ),
            IF_MATCH,
        ],
        responses={200: s.CaseDetailSerializer, **errors(400, 401, 403, 404, 409)},
        description="Body by transition: accept {mediators}, decline {reason}, start_mediation "
        "{}, record_agreement {kind, terms, performance_method, performance_deadline, "
        "amount, signatures_complete}, record_failure {reason}, withdraw {party, "
        "reason}, extend_deadline {days, consent}, approve_closure {}, reopen "
        "{reason}, archive {}.",
    )
    def post(self, request, pk: int, name: str):
        case = get_case(request, pk)
        body_class = s.TRANSITIONS.get(name)
        if body_class is None:
            raise exceptions.NotFound(f"没有名为“{name}”的流程操作。")
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, case)
        services.case_transition(
            case, name, actor=request.user, ip=client_ip(request), **body.validated_data
        )
        return case_answer(request, case.pk)


class CaseRecordCreate(APIView):
    """investigations/, sessions/, follow-ups/: one record each, its document issued after."""

    kind = ""

    def post(self, request, pk: int):
        case = get_case(request, pk)
        body_class, answer_class = s.RECORDS[self.kind]
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, case)
        record = services.record_add(
            case, self.kind, actor=request.user, ip=client_ip(request), **body.validated_data
        )
        return Response(
            answer_class(record, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _record_schema(kind: str):
    body_class, answer_class = s.RECORDS[kind]
    return extend_schema_view(
        post=extend_schema(
            tags=["cases"],
            request=body_class,
            parameters=[IF_MATCH],
            responses={201: answer_class, **errors(400, 401, 403, 404, 409)},
        )
    )


@_record_schema("investigation")
class InvestigationCreate(CaseRecordCreate):
    kind = "investigation"


@_record_schema("session")
class SessionCreate(CaseRecordCreate):
    kind = "session"


@_record_schema("follow_up")
class FollowUpCreate(CaseRecordCreate):
    kind = "follow_up"


class JudicialConfirmationApply(APIView):
    """SPEC §13: assemble the 司法确认 application (JCA + the bundle JCB) and record it; read
    the applications and the court's answers; record that answer."""

    @extend_schema(
        tags=["cases"],
        responses={200: s.JudicialStateSerializer, **errors(401, 404)},
        description="Every 司法确认 application of the case with the court's answer, and "
        "whether a new one may be made now (`reason` says why not: e.g. the court refused the "
        "current agreement — change it or reach a new one through 重新调解, 人民调解法第三十三条).",
    )
    def get(self, request, pk: int):
        case = get_case(request, pk)
        records = case.judicialconfirmations.select_related("agreement").order_by("id")
        reason = judicial.apply_refusal(case)
        return Response(
            {
                "may_apply": reason == "",
                "reason": reason,
                "applications": s.JudicialApplicationSerializer(
                    records, many=True, context={"request": request}
                ).data,
            }
        )

    @extend_schema(
        tags=["cases"],
        request=s.JudicialResultInSerializer,
        parameters=[IF_MATCH],
        responses={200: s.JudicialApplicationSerializer, **errors(400, 401, 403, 404, 409)},
        description="Record the court's answer to the current agreement's pending application: "
        "confirmed or rejected, with the ruling's date. Clerk, director or an assigned mediator.",
    )
    def patch(self, request, pk: int):
        case = get_case(request, pk)
        body = s.JudicialResultInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, case)
        record = judicial.judicial_result_record(
            case, actor=request.user, ip=client_ip(request), **body.validated_data
        )
        return Response(s.JudicialApplicationSerializer(record, context={"request": request}).data)

    @extend_schema(
        tags=["cases"],
        request=s.JudicialApplyInSerializer,
        parameters=[IF_MATCH],
        responses={201: s.JudicialApplicationSerializer, **errors(400, 401, 403, 404, 409)},
        description="Clerk, director or an assigned mediator; an effective written agreement "
        "whose 调解协议书 is issued, within 30 days after it took effect, once. `court` defaults "
        "to the committee's basic court. The documents render after the answer: their "
        "`pdf_url` and `bundle_url` are null until issued.",
    )
    def post(self, request, pk: int):
        case = get_case(request, pk)
        body = s.JudicialApplyInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        apply_if_match(request, case)
        record = services.judicial_confirmation_apply(
            case, actor=request.user, ip=client_ip(request), **body.validated_data
        )
        return Response(
            s.JudicialApplicationSerializer(record, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CaseDocuments(APIView):
    @extend_schema(
        tags=["documents"], responses={200: s.DocumentSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        case = get_case(request, pk)
        docs = case.documents.order_by("id")
        for doc in docs:
            doc.case = case  # the serializer asks the case who may download
        return Response(s.DocumentSerializer(docs, many=True, context={"request": request}).data)


class CaseEvents(APIView):
    @extend_schema(
        tags=["cases"], responses={200: s.EventSerializer(many=True), **errors(401, 404)}
    )
    def get(self, request, pk: int):
        case = get_case(request, pk)
        events = case.events.select_related("actor").order_by("at", "id")
        return Response(s.EventSerializer(events, many=True).data)


# --- documents ----------------------------------------------------------------------------
class PdfRenderer(renderers.BaseRenderer):
    """Lets content negotiation accept a client that asks for `application/pdf`. The PDF itself
    is a FileResponse (never rendered); an error is answered in JSON whatever was asked for."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise AssertionError("errors are rendered as JSON (FileAnswerView.finalize_response)")


class FileAnswerView(APIView):
    """A view that answers a file (`file_renderer`: a PDF, an .xlsx) and its errors in JSON.
    JSON first in `renderer_classes`: no Accept header or */* negotiates JSON, and the file is
    served all the same. DRF takes an empty `?format=` for no format at all; the schema's enum
    says json or the file's, so an empty one is refused as an unknown format is (404), not
    silently ignored. An error after a file was negotiated is rendered as JSON."""

    file_renderer: type[renderers.BaseRenderer]

    def perform_content_negotiation(self, request, force=False):
        if not force and request.query_params.get("format", None) == "":
            raise exceptions.NotFound("未知的格式。")
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(getattr(request, "accepted_renderer", None), self.file_renderer):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class DocumentPdf(FileAnswerView):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]
    file_renderer = PdfRenderer

    @extend_schema(
        tags=["documents"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 403, 404, 409),
        },
    )
    def get(self, request, pk: int):
        from django.http import FileResponse

        doc = access.downloadable(request.user, pk)  # the same rule as the web page
        response = FileResponse(
            doc.file.open("rb"),
            content_type="application/pdf",
            filename=f"{doc.code}-{doc.pk}-v{doc.version}.pdf",
        )
        response["ETag"] = f'"{doc.sha256}"'
        access_log.record(
            request.user,
            kind=access_log.Kind.PDF_DOWNLOAD,
            ip=client_ip(request),
            case=doc.case,
            detail=f"API：{doc}",
        )
        return response


class Verify(APIView):
    """Public: is a document authentic? Nothing personal in the answer (SPEC §5)."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(tags=["documents"], auth=[], responses={200: s.VerifySerializer, **errors(404)})
    def get(self, request, token: str):
        doc = get_object_or_404(
            Document.objects.select_related("case", "lead").filter(
                status__in=[Document.Status.ISSUED, Document.Status.SUPERSEDED]
            ),
            token=token,
        )
        superseded = doc.is_superseded
        return Response(
            {
                "valid": True,
                "code": doc.code,
                # a lead's own document (its FBK, SPEC §13) has the lead's number, no case
                "case_number": doc.case.number if doc.case is not None else None,
                "lead_number": doc.lead.number if doc.lead is not None else None,
                "issued_at": doc.issued_at,
                "sha256": doc.sha256,
                "superseded": superseded,
            }
        )


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other path under /api/: the JSON 404, not Django's HTML page."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    get = post = put = patch = delete = http_method_not_allowed
