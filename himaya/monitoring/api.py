"""The results table of a programme as JSON: mission staff read it as counted, donor and
government viewers after disclosure control (the same rule as the pages)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS
from himaya.monitoring import queries


class CellOutput(serializers.Serializer):
    period = serializers.CharField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    suppressed = serializers.BooleanField()
    percent = serializers.IntegerField(allow_null=True)


class IndicatorResultOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    method = serializers.CharField()
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    periods = CellOutput(many=True)
    total = CellOutput()


class ResultsOutput(serializers.Serializer):
    programme = serializers.CharField()
    computed_at = serializers.DateTimeField()
    protected = serializers.BooleanField()
    indicators = IndicatorResultOutput(many=True)


def _cell(period: str, cell: Any) -> dict[str, Any]:
    return {"period": period, "target": cell.target, "actual": cell.actual,
            "suppressed": cell.suppressed, "percent": cell.percent}


class ProgrammeResultsApi(APIView):
    """Actual against target per period for every indicator of a programme."""

    allowed_roles = MISSION_STAFF | OUTSIDE_VIEWERS

    @extend_schema(responses=ResultsOutput, operation_id="programme_results")
    def get(self, request: Request, pk: int) -> Response:
        programme = queries.programme_for_user(request.user, pk)
        protected = queries.sees_protected_figures(request.user)
        table = queries.results_table(programme, protected=protected)
        body = {
            "programme": programme.code, "computed_at": table.computed_at,
            "protected": protected,
            "indicators": [{
                "code": row.indicator.code, "title": row.indicator.title,
                "unit": row.indicator.unit, "method": row.indicator.method,
                "baseline": row.indicator.baseline,
                "periods": [_cell(p.label, c) for p, c in zip(table.periods, row.cells,
                                                               strict=True)],
                "total": _cell("total", row.total),
            } for row in table.rows],
        }
        return Response(ResultsOutput(body).data)
