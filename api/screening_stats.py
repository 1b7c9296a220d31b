"""GET /api/v1/stats/screening/ (SPEC §13, §17): the 排查 table's figures, from the same
supervision.screening_stats.screening_table the page and its exports print. Routed by
api/stats.py."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import errors
from api.stats import RATE, StatsRegion
from supervision import screening_stats as stats

HELP = {key: f"{label}: {what}." for key, label, _kind, what in stats.COLUMNS}


def _figures() -> dict:
    fields: dict = {}
    for key, _label, kind, _what in stats.COLUMNS:
        if kind == stats.PCT:
            fields[key] = serializers.FloatField(allow_null=True, help_text=HELP[key] + " " + RATE)
        else:
            fields[key] = serializers.IntegerField(help_text=HELP[key])
    return fields


def _serializer(name: str, identity: dict, doc: str) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), identity | _figures() | {"__doc__": doc})


ScreeningRegionRow = _serializer(
    "ScreeningRegionRow",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "kind": serializers.ChoiceField(
            choices=["region", "subtotal", "local"],
            help_text="region: a child (or grandchild) region; subtotal: a child's 小计 over "
            "the regions listed above it; local: leads located in the region itself (本级).",
        ),
    },
    "A row of the table by child region.",
)
ScreeningTypeRow = _serializer(
    "ScreeningTypeRow",
    {"code": serializers.CharField(), "name": serializers.CharField()},
    "A row of the table by dispute type (code empty: leads without a type).",
)


class YearToDate(serializers.Serializer):
    vars()["from"] = serializers.DateField(source="date_from")
    to = serializers.DateField(source="date_to")
    vars().update(_figures())
    by_child_region = ScreeningRegionRow(many=True)
    by_dispute_type = ScreeningTypeRow(many=True)


class ScreeningSerializer(serializers.Serializer):
    region = StatsRegion()
    vars()["from"] = serializers.DateField(source="date_from")
    to = serializers.DateField(source="date_to")
    vars().update(_figures())
    by_child_region = ScreeningRegionRow(many=True)
    by_dispute_type = ScreeningTypeRow(many=True)
    year_to_date = YearToDate()


class StatsScreening(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="stats_screening",
        parameters=[
            OpenApiParameter(
                "region",
                OpenApiTypes.INT,
                description="Region id (default: the user's own region); its whole subtree is "
                "counted. A region outside the user's scope answers 404.",
            ),
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                description="2026-12 (month), 2026-Q4, 2026-H2 or 2026; or give from/to. "
                "Default: this month.",
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First 发现日期, inclusive."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last 发现日期, inclusive."),
        ],
        responses={200: ScreeningSerializer, **errors(400, 401, 403, 404)},
        description="The 矛盾纠纷排查调处情况统计表 (SPEC §13) for a region subtree and a period, "
        "with the year to date: the numbers the 排查统计表 page, its .xlsx and PDF show. "
        "Supervisors: their subtree; directors and clerks: their committee's leads; admins: "
        "everything; other roles 403.",
    )
    def get(self, request):
        sel = stats.selection(request.user, request.query_params, blank_ok=False)
        return Response(ScreeningSerializer(stats.screening_table(sel)).data)
