"""Shapes of requests and answers (SPEC §9). Input serializers check types and enumerations only:
guards, roles and states are the services' job, so a missing reason is reported by the guard
(precondition_failed) exactly as in the web UI."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import choices, identity, party_view, scope
from cases.models import (
    Case,
    DisputeType,
    FollowUpVisit,
    InvestigationRecord,
    JudicialConfirmation,
    MediationSession,
    Organization,
    Region,
    display_name,
)
from cases.validators import validate_phone
from core.errors import InvalidInput
from documents import access as document_access
from documents.models import Document
from workflows import deadlines, selectors, services
from workflows.models import CaseEvent


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know: a typo ("mediator" for "mediators") must not be dropped
    silently and leave the client believing it was applied."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({k: ["未知字段。"] for k in unknown})
        return super().to_internal_value(data)


class MomentField(serializers.DateTimeField):
    """When a record happened. Years outside 1900–2100 cannot be a real record, and near year 1
    or 9999 the time could not even be converted to UTC for storage (a 500, found by fuzzing)."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # DRF's own time-zone check overflows on a naive "0001-01-01T00:00"
            moment = None
        if moment is None or not 1900 <= moment.year <= 2100:
            raise serializers.ValidationError("时间须在1900年至2100年之间。")
        return moment


@extend_schema_field(
    {
        "oneOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
        "nullable": True,
        "description": "Yuan, to the cent: a number, or text as people write it "
        "(1200, 1,200, 1200元, 1.2万, 1.2万元).",
    }
)
class AmountField(serializers.DecimalField):
    """An amount in yuan: a JSON number, or a string as people write it ("1200", "1,200",
    "1.2万元") read by the services' one parser (workflows.services.decimal_or_none)."""

    def __init__(self, *, name: str, **kwargs):
        self.amount_name = name
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(max_digits=14, decimal_places=2, min_value=0, **kwargs)

    def to_internal_value(self, data):
        try:  # a bool, a list or a word is refused with the field's message
            value = services.decimal_or_none(data, self.amount_name)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None
        if value is None:
            if not self.allow_null:
                self.fail("null")
            return None
        return super().to_internal_value(value)

    def validate_empty_values(self, data):
        if data == "":  # nothing typed
            return (True, None) if self.allow_null else (False, data)
        return super().validate_empty_values(data)


def _past(name: str):
    """The services' rule (inputs.not_future) as a field validator, so the error names the
    field where it stands (parties[0].birth_date)."""

    def check(value):
        try:
            services.not_future(value, name)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None

    return check


class EthnicityField(serializers.CharField):
    """One of cases.choices.ETHNIC_GROUPS ("汉族"; "汉" is read as 汉族); "" for unknown."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        name = choices.ethnicity_name(text)
        if name is None:
            raise serializers.ValidationError(
                f"未知的民族“{text}”：请填写56个民族的名称（如 汉族、蒙古族），或“其他”。"
            )
        return name


# --- small pieces -------------------------------------------------------------------------
class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class OrganizationBriefSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="short_code")

    class Meta:
        model = Organization
        fields = ["id", "name", "code"]


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name"]


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["id", "name", "full_name", "level", "parent"]


class OrganizationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="short_code")
    region = RegionBriefSerializer()

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "seal_name", "region"]


class DisputeTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeType
        fields = ["code", "name"]


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_name(self, membership) -> str:
        return display_name(membership.user)


class MembershipSerializer(serializers.Serializer):
    role = serializers.CharField()
    organization = OrganizationBriefSerializer(allow_null=True)
    region = serializers.SerializerMethodField()

    @extend_schema_field(RegionBriefSerializer(allow_null=True))
    def get_region(self, m):
        # Committee roles hold no region of their own: the committee's region is where they work.
        region = m.region or (m.organization.region if m.organization else None)
        return RegionBriefSerializer(region).data if region else None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, user):
        return MembershipSerializer(scope.memberships(user), many=True).data


# --- auth ---------------------------------------------------------------------------------
class StringField(serializers.CharField):
    """A CharField that takes only a JSON string (DRF's turns 5 into "5")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    device = StringField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Free text naming the client, e.g. 「张三的手机」. A new token for the same "
        "device replaces the old one (which stops working); none given: the unnamed device.",
        error_messages={
            "invalid": "设备名称须为字符串。",
            "null": "设备名称须为字符串。",
            "max_length": "设备名称不能超过 {max_length} 个字符。",
        },
    )
    otp = StringField(
        required=False,
        allow_blank=True,
        default="",
        max_length=16,
        help_text="The 6-digit code of the user's authenticator app, for a user who set up the "
        "second factor (两步验证); without it such a user gets 403 `otp_required`.",
        error_messages={
            "invalid": "验证码须为字符串。",
            "null": "验证码须为字符串。",
            "max_length": "验证码不能超过 {max_length} 个字符。",
        },
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown once.")
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.Serializer):
    """One of the caller's tokens: never its digest nor the token itself."""

    id = serializers.UUIDField(source="public_id")
    device = serializers.CharField(
        help_text='As sent when issued ("" for none: the 令牌 page shows 未命名设备), so a client '
        "can issue again for the same device."
    )
    created_at = serializers.DateTimeField(source="created")
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="Accurate to a minute; null: never used."
    )
    expires_at = serializers.DateTimeField(source="expiry")


# --- documents and events -----------------------------------------------------------------
class DocumentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    superseded = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "code",
            "title",
            "version",
            "number",
            "status",
            "sha256",
            "size",
            "issued_at",
            "superseded",
            "pdf_url",
            "verify_url",
        ]

    def get_superseded(self, doc) -> bool:
        return doc.status == Document.Status.SUPERSEDED or doc.superseded_by_id is not None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, doc) -> str | None:
        """Null until the bytes exist, and for viewers who may not see the parties' data."""
        if doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
            return None
        request = self.context.get("request")
        if request is None or not document_access.sees_personal_data(request.user, doc):
            return None
        return request.build_absolute_uri(reverse("api:document-pdf", args=[doc.pk]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_verify_url(self, doc) -> str | None:
        if doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
            return None
        # The same address the QR code on the paper carries (documents.context).
        from django.conf import settings

        return settings.SITE_URL + reverse("verify", args=[doc.token])


class EventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(allow_null=True)
    transition = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "actor",
            "kind",
            "name",
            "transition",
            "from_status",
            "to_status",
            "reason",
            "data",
        ]

    def get_transition(self, event) -> str | None:
        return event.name if event.kind == CaseEvent.Kind.TRANSITION else None


class VerifySerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    code = serializers.CharField()
    case_number = serializers.CharField(allow_null=True, help_text="null for a lead's document")
    lead_number = serializers.CharField(
        allow_null=True, help_text="a lead's own document (its 反馈函): the lead's number"
    )
    issued_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    superseded = serializers.BooleanField()


# --- cases: output ------------------------------------------------------------------------
class PartySerializer(serializers.Serializer):
    """A party as the requesting user may see it: cases.party_view decides (SPEC §11); the
    fields below only describe its answer for the schema."""

    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=choices.PartyRole.choices)
    kind = serializers.ChoiceField(choices=choices.PartyKind.choices)
    name = serializers.CharField()
    gender = serializers.CharField()
    ethnicity = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True, help_text="null when masked")
    birth_year = serializers.IntegerField(allow_null=True)
    id_type = serializers.ChoiceField(choices=choices.IdType.choices)
    id_number = serializers.CharField(help_text="last 4 characters only when masked")
    id_country = serializers.CharField()
    phone = serializers.CharField(help_text="last 4 digits only when masked")
    address = serializers.CharField(help_text="down to the village/community when masked")
    occupation = serializers.CharField()
    uscc = serializers.CharField()
    legal_representative = serializers.CharField()
    masked = serializers.BooleanField()

    def to_representation(self, party):
        data = party_view.view(self.context["request"].user, party, full=self.context.get("full"))
        return {
            **data,
            "birth_date": data["birth_date"].isoformat() if data["birth_date"] else None,
        }


class RiskSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=choices.RiskLevel.choices)
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.DictField())
    factors = serializers.ListField(child=serializers.CharField())
    reported_at = serializers.DateTimeField(allow_null=True)


class CaseSummarySerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer()
    region = RegionBriefSerializer()
    dispute_type = DisputeTypeSerializer()
    deadline_state = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "organization",
            "region",
            "dispute_type",
            "source",
            "status",
            "outcome",
            "deadline",
            "deadline_state",
            "overdue",
            "risk_level",
            "registered_at",
            "updated_at",
        ]

    def get_deadline_state(self, case) -> str:
        """ "overdue", "due_soon" or ""."""
        if getattr(case, "is_overdue", None) is not None:
            return "overdue" if case.is_overdue else "due_soon" if case.is_due_soon else ""
        return deadlines.deadline_state(case)

    def get_overdue(self, case) -> bool:
        return self.get_deadline_state(case) == "overdue"


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    performance_method = serializers.CharField()
    performance_deadline = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    effective_on = serializers.DateField()
    signatures_complete = serializers.BooleanField()


class CaseDetailSerializer(CaseSummarySerializer):
    party_code = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    mediators = UserBriefSerializer(many=True)
    risk = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True)

    class Meta(CaseSummarySerializer.Meta):
        fields = CaseSummarySerializer.Meta.fields + [
            "summary",
            "requests",
            "amount_involved",
            "occurred_on",
            "application_kind",
            "extended_days",
            "accepted_at",
            "outcome_at",
            "closed_at",
            "archived_at",
            "closing_reason",
            "withdrawn_by",
            "summary_of_work",
            "version",
            "party_code",
            "parties",
            "mediators",
            "risk",
            "allowed_transitions",
            "agreement",
            "documents",
        ]

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_party_code(self, case):
        # The party's key to the follow page (SPEC §14): the committee's staff only.
        return case.party_code if scope.sees_personal_data(self._user(), case) else None

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case):
        full = scope.sees_personal_data(self._user(), case)
        context = {"request": self.context["request"], "full": full}
        return PartySerializer(case.parties.all(), many=True, context=context).data

    @extend_schema_field(RiskSerializer)
    def get_risk(self, case):
        return {
            "level": case.risk_level,
            "score": case.risk_score,
            "reasons": case.risk_reasons,
            "factors": case.risk_factors,
            "reported_at": case.risk_reported_at,
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, case):
        return selectors.allowed_transitions(case, self._user())

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, case):
        agreement = case.current_agreement
        return AgreementSerializer(agreement).data if agreement else None


# --- cases: input -------------------------------------------------------------------------
class PartyInSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=choices.PartyRole.choices)
    kind = serializers.ChoiceField(choices=choices.PartyKind.choices, required=False)
    name = serializers.CharField(max_length=100)
    gender = serializers.ChoiceField(
        choices=choices.Gender.choices, required=False, allow_blank=True
    )
    ethnicity = EthnicityField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="One of the 56 groups' names (汉族, 蒙古族 …), 其他 or 外国血统中国籍人士.",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[_past("birth_date")],
        help_text="Left out: taken from a resident ID number (as is the gender).",
    )
    # Without `id_type` (clients written before the types): an 18-character number is a
    # resident ID, no number none (cases.identity.infer_type).
    id_type = serializers.ChoiceField(choices=choices.IdType.choices, required=False)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_country = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="passport: ISO 3166 alpha-3"
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[validate_phone]
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def to_internal_value(self, data):
        """The number checked by its type here, so that an error points at
        parties[i].id_number, next to any other field's error of the same party."""
        errors = {}
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors, attrs = dict(exc.detail), None
        if errors.keys() & {"id_type", "id_number", "id_country", "uscc"} or not isinstance(
            data, Mapping
        ):
            raise serializers.ValidationError(errors)
        number, country = str(data.get("id_number") or ""), str(data.get("id_country") or "")
        id_type = data.get("id_type") or identity.infer_type(number)
        checked = {}
        try:
            checked["id_number"] = identity.check(id_type, number, country=country)
        except DjangoValidationError as exc:
            errors[identity.field_of(exc)] = exc.messages
        try:
            checked["uscc"] = identity.check_uscc(str(data.get("uscc") or ""))
        except DjangoValidationError as exc:
            errors["uscc"] = exc.messages
        if errors or attrs is None:
            raise serializers.ValidationError(errors)
        return {**attrs, **checked, "id_type": id_type}


class CaseCreateSerializer(StrictSerializer):
    """Ids and codes are resolved here; the service then decides scope and role (an organization
    the user does not belong to is 404, as everywhere else)."""

    organization = serializers.IntegerField()
    region = serializers.IntegerField(required=False, allow_null=True)
    dispute_type = serializers.SlugField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=choices.Source.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    requests = serializers.CharField(required=False, allow_blank=True)
    amount_involved = AmountField(name="amount_involved")
    occurred_on = serializers.DateField(
        required=False, allow_null=True, validators=[_past("occurred_on")]
    )
    application_kind = serializers.ChoiceField(
        choices=choices.ApplicationKind.choices, required=False
    )
    parties = PartyInSerializer(many=True, required=False, default=list)
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.RECORDED_RISK_FACTORS),
        required=False,
        default=list,
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The same user registered the same parties (names and id numbers) and "
        "summary within 10 minutes: answered 409 `duplicate` unless this is true.",
    )

    def validate_organization(self, value):
        return Organization.objects.filter(pk=value).first()

    def validate_region(self, value):
        if value is None:
            return None
        region = Region.objects.filter(
            scope.visible_regions_q(self.context["request"].user), pk=value
        ).first()
        if region is None:
            raise serializers.ValidationError("区域不存在或不在您的管辖范围内。")
        return region

    def validate_dispute_type(self, value):
        if value is None:
            return None
        found = DisputeType.objects.filter(taxonomy__is_current=True, code=value).first()
        if found is None:
            raise serializers.ValidationError(f"未知的纠纷类型代码“{value}”。")
        return found

    def validate(self, attrs):
        attrs.setdefault("region", None)
        attrs.setdefault("dispute_type", None)
        return attrs


class QueryBooleanField(serializers.BooleanField):
    """A yes/no query parameter: absent = no filter (None, as a form's missing box would be
    False); present it must say true or false — `?overdue=` alone is refused, not ignored."""

    default_error_messages = {"invalid": "须为 true 或 false。"}

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, default=None, **kwargs)

    def to_internal_value(self, data):
        if data == "" or data is None:
            self.fail("invalid")
        return super().to_internal_value(data)


class CaseFilterSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=choices.Status.choices, required=False)
    region = serializers.IntegerField(required=False, help_text="Region id: its whole subtree.")
    dispute_type = serializers.SlugField(required=False)
    overdue = QueryBooleanField()
    risk = serializers.ChoiceField(choices=choices.RiskLevel.choices, required=False)
    q = serializers.CharField(
        required=False, max_length=100, help_text="Case number, party name or party phone."
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_region(self, value):
        region = Region.objects.filter(pk=value).first()
        if region is None:
            raise serializers.ValidationError("区域不存在。")
        return region

    def validate_dispute_type(self, value):
        if not DisputeType.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"未知的纠纷类型代码“{value}”。")
        return value


class MembersFilterSerializer(StrictSerializer):
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in choices.Role if r in choices.ORG_ROLES],
        required=False,
    )


# --- transitions --------------------------------------------------------------------------
class EmptySerializer(StrictSerializer):
    pass


class AcceptSerializer(StrictSerializer):
    mediators = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="User ids (GET /organizations/{id}/members/?role=mediator).",
    )


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class RecordAgreementSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=choices.AgreementKind.choices, required=False)
    terms = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="One term per item, without numbers: a typed 一、, 1. or （一） is dropped "
        "(the AGR numbers them).",
    )
    performance_method = serializers.CharField(required=False, allow_blank=True, max_length=200)
    performance_deadline = serializers.DateField(required=False, allow_null=True)
    amount = AmountField(name="amount")
    signatures_complete = serializers.BooleanField(required=False)
    parties_signed = serializers.BooleanField(required=False)
    mediator_signed = serializers.BooleanField(required=False)
    seal_affixed = serializers.BooleanField(required=False)
    facts = serializers.CharField(required=False, allow_blank=True)
    responsibilities = serializers.CharField(required=False, allow_blank=True)
    effective_on = serializers.DateField(required=False, allow_null=True)


class WithdrawSerializer(ReasonSerializer):
    party = serializers.CharField(
        required=False, allow_blank=True, help_text="Which party withdrew."
    )


class ExtendDeadlineSerializer(ReasonSerializer):
    days = serializers.IntegerField(required=False)
    consent = serializers.BooleanField(required=False)


class ApproveClosureSerializer(StrictSerializer):
    summary_of_work = serializers.CharField(required=False, allow_blank=True)


TRANSITIONS = {
    "accept": AcceptSerializer,
    "decline": ReasonSerializer,
    "start_mediation": EmptySerializer,
    "record_agreement": RecordAgreementSerializer,
    "record_failure": ReasonSerializer,
    "withdraw": WithdrawSerializer,
    "extend_deadline": ExtendDeadlineSerializer,
    "approve_closure": ApproveClosureSerializer,
    "reopen": ReasonSerializer,
    "archive": EmptySerializer,
}


# --- records ------------------------------------------------------------------------------
class _RecordOut(serializers.ModelSerializer):
    created_by = UserBriefSerializer()
    documents = serializers.SerializerMethodField()

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, record):
        docs = Document.objects.filter(
            case=record.case_id, slot=f"r{record.pk}", code=self.CODE
        ).select_related("case")
        return DocumentSerializer(docs, many=True, context=self.context).data


class InvestigationSerializer(_RecordOut):
    CODE = "INV"

    class Meta:
        model = InvestigationRecord
        fields = [
            "id",
            "conducted_at",
            "place",
            "interviewers",
            "recorder",
            "interviewee",
            "content",
            "evidence",
            "created_by",
            "created_at",
            "documents",
        ]


class SessionSerializer(_RecordOut):
    CODE = "MED"

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "held_at",
            "place",
            "mediator_names",
            "attendees",
            "content",
            "facts_verified",
            "result",
            "created_by",
            "created_at",
            "documents",
        ]


class FollowUpSerializer(_RecordOut):
    CODE = "FUV"

    class Meta:
        model = FollowUpVisit
        fields = [
            "id",
            "visited_at",
            "method",
            "visitor",
            "visitee",
            "performance",
            "satisfaction",
            "new_risks",
            "action_taken",
            "went_to_court",
            "notes",
            "created_by",
            "created_at",
            "documents",
        ]


class InvestigationInSerializer(StrictSerializer):
    conducted_at = MomentField()
    place = serializers.CharField(max_length=200)
    interviewee = serializers.CharField(max_length=100)
    content = serializers.CharField()
    recorder = serializers.CharField(max_length=50, required=False, allow_blank=True)
    interviewers = serializers.ListField(child=serializers.CharField(), required=False)
    evidence = serializers.ListField(child=serializers.CharField(), required=False)


class SessionInSerializer(StrictSerializer):
    held_at = MomentField()
    place = serializers.CharField(max_length=200)
    attendees = serializers.CharField()
    content = serializers.CharField()
    facts_verified = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(required=False, allow_blank=True)


class FollowUpInSerializer(StrictSerializer):
    visited_at = MomentField()
    method = serializers.ChoiceField(choices=choices.FollowUpMethod.choices)
    visitee = serializers.CharField(max_length=100)
    performance = serializers.ChoiceField(choices=choices.Performance.choices)
    satisfaction = serializers.ChoiceField(choices=choices.Satisfaction.choices)
    notes = serializers.CharField(required=False, allow_blank=True)
    new_risks = serializers.CharField(required=False, allow_blank=True)
    action_taken = serializers.CharField(required=False, allow_blank=True)
    went_to_court = serializers.BooleanField(required=False)


class JudicialApplyInSerializer(StrictSerializer):
    court = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The court applied to; default: the committee's basic court (基层人民法院).",
    )


class JudicialResultInSerializer(StrictSerializer):
    result = serializers.ChoiceField(
        choices=[choices.ConfirmationResult.CONFIRMED, choices.ConfirmationResult.REJECTED],
        help_text="The court's answer: confirmed (确认有效) or rejected (驳回申请/不予确认).",
    )
    result_on = serializers.DateField(help_text="The date of the court's ruling (裁定日期).")


class JudicialApplicationSerializer(serializers.ModelSerializer):
    """SPEC §13/§17: the recorded 司法确认 application, its JCA and the bundle (JCB), and the
    court's answer once recorded."""

    window_ends_on = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    bundle_url = serializers.SerializerMethodField()
    agreement = serializers.CharField(source="agreement.number", read_only=True)

    class Meta:
        model = JudicialConfirmation
        fields = [
            "id",
            "agreement",
            "applied_on",
            "court",
            "result",
            "result_on",
            "window_ends_on",
            "documents",
            "bundle_url",
        ]

    def _documents(self, record) -> list[Document]:
        return list(
            Document.objects.filter(
                case=record.case_id, code__in=("JCA", "JCB"), slot=f"r{record.pk}"
            )
            .exclude(status=Document.Status.SUPERSEDED)
            .select_related("case")
            .order_by("id")
        )

    @extend_schema_field(serializers.DateField())
    def get_window_ends_on(self, record):
        """The last day of the 30 days after the agreement took effect (人民调解法 第三十三条)."""
        return deadlines.judicial_window_end(record.agreement).isoformat()

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, record):
        return DocumentSerializer(self._documents(record), many=True, context=self.context).data

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_bundle_url(self, record) -> str | None:
        """The bundle's PDF (JCA + AGR + identity page): null until issued or when the viewer
        may not see the parties' data."""
        bundle = [d for d in self._documents(record) if d.code == "JCB"]
        return DocumentSerializer(context=self.context).get_pdf_url(bundle[-1]) if bundle else None


class JudicialStateSerializer(serializers.Serializer):
    """GET …/judicial-confirmation/: every application with the court's answer, and whether a
    (new) application may be made now — if not, why (人民调解法 第三十三条 after a refusal)."""

    may_apply = serializers.BooleanField()
    reason = serializers.CharField(help_text="why not, in Chinese; empty when it may")
    applications = JudicialApplicationSerializer(many=True)


RECORDS = {
    "investigation": (InvestigationInSerializer, InvestigationSerializer),
    "session": (SessionInSerializer, SessionSerializer),
    "follow_up": (FollowUpInSerializer, FollowUpSerializer),
}
