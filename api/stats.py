"""GET /api/v1/stats/summary/ (SPEC §9): the dashboard's figures, from the same
supervision.stats.summary. Included into the API's v1 routes by api/urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from cases.choices import OPEN_STATUSES, Outcome
from supervision import access, stats


def _counts(keys, name: str, help_text: str) -> type[serializers.Serializer]:
    fields = {str(k): serializers.IntegerField() for k in keys}
    return type(name, (serializers.Serializer,), fields | {"__doc__": help_text})


OpenByStatus = _counts(OPEN_STATUSES, "OpenByStatus", "Open cases in each state.")
ClosedByOutcome = _counts(Outcome.values, "ClosedByOutcome", "Cases with each outcome.")


def _row(name: str, identity: dict) -> type[serializers.Serializer]:
    """A breakdown row: what it is (identity fields first), then its figures."""
    figures = {
        "received": serializers.IntegerField(),
        "closed": serializers.IntegerField(),
        "agreements": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "success_rate": serializers.FloatField(allow_null=True),
        "overdue_open": serializers.IntegerField(),
        "high_risk_open": serializers.IntegerField(),
        "amount_involved": serializers.DecimalField(max_digits=18, decimal_places=2),
    }
    return type(name, (serializers.Serializer,), identity | figures)


DisputeTypeRow = _row(
    "DisputeTypeRow", {"code": serializers.CharField(), "name": serializers.CharField()}
)
SourceRow = _row("SourceRow", {"source": serializers.CharField(), "name": serializers.CharField()})
ChildRegionRow = _row(
    "ChildRegionRow",
    {
        "id": serializers.IntegerField(help_text="The child region, or the region itself (本级)."),
        "name": serializers.CharField(),
    },
)


class StatsRegion(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()


RATE = "A fraction between 0 and 1 (4 decimals), null when its denominator is 0."


class SummarySerializer(serializers.Serializer):
    region = StatsRegion()
    # "from" is a Python keyword: declared through the class namespace.
    vars()["from"] = serializers.DateField(source="date_from")
    to = serializers.DateField(source="date_to")
    received = serializers.IntegerField(help_text="Cases registered in the period.")
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    open_by_status = OpenByStatus()
    closed_by_outcome = ClosedByOutcome()
    success_rate = serializers.FloatField(
        allow_null=True, help_text="agreements ÷ (agreements + failed). " + RATE
    )
    performance_rate = serializers.FloatField(
        allow_null=True,
        help_text="Agreement cases whose follow-up recorded 已履行 ÷ agreement cases visited. "
        + RATE,
    )
    avg_days_to_close = serializers.FloatField(
        allow_null=True, help_text="Registration → outcome, days."
    )
    p90_days_to_close = serializers.FloatField(allow_null=True)
    overdue_open = serializers.IntegerField()
    high_risk_open = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text="(满意 + 基本满意) ÷ visits. " + RATE
    )
    judicial_confirmations = serializers.IntegerField()
    amount_involved = serializers.DecimalField(max_digits=18, decimal_places=2)
    by_dispute_type = DisputeTypeRow(many=True)
    by_source = SourceRow(many=True)
    by_child_region = ChildRegionRow(many=True)


class StatsSummary(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="stats_summary",
        parameters=[
            OpenApiParameter(
                "region",
                OpenApiTypes.INT,
                description="Region id (default: the user's own region); its whole subtree "
                "is counted. A region outside the user's scope answers 404.",
            ),
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First registration date, inclusive (default: 1 January).",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last registration date, inclusive (default: today).",
            ),
        ],
        responses={200: SummarySerializer, **errors(400, 401, 403, 404)},
        description="The SPEC §7 figures for a region subtree and a registration period — the "
        "numbers the supervision dashboard shows. Supervisors: their subtree; directors and "
        "clerks: their committee's cases; admins: everything; other roles 403.",
    )
    def get(self, request):
        sel = access.selection(request.user, request.query_params, blank_ok=False)
        figures = stats.summary(sel)
        data = figures | {"region": sel.region, "date_from": sel.date_from, "date_to": sel.date_to}
        return Response(SummarySerializer(data).data)


def _screening():  # imported late: api.screening_stats reads this module's serializers
    from api.screening_stats import StatsScreening

    return StatsScreening.as_view()


urlpatterns = [
    path("summary/", StatsSummary.as_view(), name="stats-summary"),
    path("screening/", _screening(), name="stats-screening"),
]
