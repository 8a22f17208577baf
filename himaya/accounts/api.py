from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.accounts.roles import EVERY_ROLE
from himaya.accounts.scopes import scope_for


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    organisation_kind = serializers.CharField(allow_null=True)
    regions = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()


class MeApi(APIView):
    """Who the caller is and what they may reach: phones use it to shape their forms."""

    allowed_roles = EVERY_ROLE

    @extend_schema(responses=MeOutput)
    def get(self, request):  # noqa: ANN001, ANN201
        scope = scope_for(request.user)
        membership = request.user.membership
        data = {
            "username": request.user.username,
            "role": scope.role,
            "organisation": membership.organisation.code,
            "organisation_kind": scope.organisation_kind,
            "regions": list(membership.regions.values_list("code", flat=True)),
            "language": request.user.preferred_language,
        }
        return Response(MeOutput(data).data)
