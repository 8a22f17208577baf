"""The public figures as JSON, and the results table for the roles that read it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.reporting.figures import public_figures


class RegionFiguresOutput(serializers.Serializer):
    direct_assistances = serializers.IntegerField(allow_null=True)
    medical_assistances = serializers.IntegerField(allow_null=True)
    people_reached = serializers.IntegerField(allow_null=True)


class PublicFiguresOutput(serializers.Serializer):
    """Null means "not shown": fewer than the publication threshold, or hidden so that such a
    figure cannot be worked out from the others."""

    direct_assistances = serializers.IntegerField(allow_null=True)
    medical_assistances = serializers.IntegerField(allow_null=True)
    people_reached = serializers.IntegerField(allow_null=True)
    associations = serializers.IntegerField(allow_null=True)
    regions = serializers.IntegerField(allow_null=True)
    by_region = serializers.DictField(child=RegionFiguresOutput(),
                                      help_text="Keyed by the region's HCP code.")
    by_year = serializers.DictField(child=RegionFiguresOutput())
    thresholds = serializers.DictField(child=serializers.IntegerField())
    computed_at = serializers.DateTimeField()
    fresh_for_seconds = serializers.IntegerField()


class PublicFiguresApi(APIView):
    """Headline figures of the public dashboard, with disclosure control; open to anyone."""

    public_api = True
    authentication_classes: list = []

    @extend_schema(responses=PublicFiguresOutput, operation_id="public_figures")
    def get(self, request: Request) -> Response:
        figures: dict[str, Any] = public_figures()
        body = {key: value for key, value in figures.items() if key != "cells"}
        response = Response(PublicFiguresOutput(body).data)
        response["Cache-Control"] = f"public, max-age={min(60, figures['fresh_for_seconds'])}"
        return response
