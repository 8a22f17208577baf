"""The registration check for clients (offline app, Kobo bridge) before they register."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from himaya.dedup import services
from himaya.dedup.labels import readable
from himaya.dedup.registration import registration_check
from himaya.registry.api import DocumentIO
from himaya.registry.queries import REGISTRARS, organisation_for_registration


class CheckInput(serializers.Serializer):
    given_name = serializers.CharField(required=False, allow_blank=True)
    family_name = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(required=False, allow_blank=True)
    birth_date = serializers.CharField(required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    approximate_age = serializers.IntegerField(required=False, allow_null=True)
    nationality = serializers.CharField(required=False, allow_blank=True,
                                        help_text="ISO 3166 alpha-2 or alpha-3")
    region = serializers.CharField(required=False, allow_blank=True, help_text="HCP code")
    phone = serializers.CharField(required=False, allow_blank=True)
    documents = DocumentIO(many=True, required=False)


class FieldOutput(serializers.Serializer):
    field = serializers.CharField()
    level = serializers.CharField()
    agreement = serializers.CharField()
    weight = serializers.FloatField()
    level_label = serializers.CharField()


class MatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    weight = serializers.FloatField()
    fields = FieldOutput(many=True)


class CheckOutput(serializers.Serializer):
    possible_duplicates = MatchOutput(many=True)
    elsewhere = serializers.BooleanField(
        help_text="A probable duplicate exists in another partner's caseload (not shown).")
    message = serializers.CharField(allow_blank=True)
    elapsed_ms = serializers.FloatField()


def elsewhere_message() -> str:
    return _("This person may already be registered by another organisation. Their data is not "
             "shown to you: you may register them, and the mission's data-protection officer will "
             "review it. To ask about it, contact the mission.")


class RegistrationCheckApi(generics.GenericAPIView):
    """Likely duplicates, in your scope, of a person you are about to register."""

    allowed_roles = REGISTRARS
    serializer_class = CheckInput

    @extend_schema(request=CheckInput, responses=CheckOutput)
    def post(self, request: Request) -> Response:
        organisation = organisation_for_registration(request.user)
        if organisation is None:
            raise PermissionDenied
        body = CheckInput(data=request.data)
        body.is_valid(raise_exception=True)
        raw: dict[str, Any] = dict(body.validated_data)
        raw["documents"] = [dict(d) for d in raw.get("documents", [])]
        result = registration_check(request.user, raw)
        services.registration_check_record(
            actor=request.user, organisation=organisation, result=result,
            given_name=raw.get("given_name", ""), family_name=raw.get("family_name", ""),
        )
        return Response({
            "possible_duplicates": [
                {"id": m.person.pk, "code": m.person.code_display, "weight": round(m.score.weight, 2),
                 "fields": readable(m.score.detail())}
                for m in result.matches
            ],
            "elsewhere": result.elsewhere,
            "message": elsewhere_message() if result.elsewhere else "",
            "elapsed_ms": round(result.elapsed_ms, 1),
        })
