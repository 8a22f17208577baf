"""Imports over the API: upload a file, poll the check, choose how to apply, poll again.

The organisation an import fills comes from the caller's scope; partner staff
cannot name another (PROTECTION.md P2). Progress is polled on /api/v1/jobs/<id>/.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.intake import services
from himaya.intake.models import ImportBatch
from himaya.intake.queries import import_for_user, import_targets_for, imports_visible_to
from himaya.intake.readers import UnreadableFile, check_size
from himaya.intake.services import IMPORTERS


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    partner = serializers.CharField(required=False, help_text="Code of the partner (mission staff only).")

    def validate_file(self, upload):  # noqa: ANN001, ANN201
        try:
            check_size(upload.size)
        except UnreadableFile as error:
            raise serializers.ValidationError(str(error)) from None
        return upload


class ProblemOutput(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField()


class ImportOutput(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.code")
    check_job = serializers.IntegerField(source="validation_job_id", allow_null=True)
    apply_job = serializers.IntegerField(source="apply_job_id", allow_null=True)

    class Meta:
        model = ImportBatch
        fields = ["id", "organisation", "status", "mode", "kind", "counts", "created_at", "applied_at",
                  "check_job", "apply_job"]


class ImportDetailOutput(ImportOutput):
    file_error = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta(ImportOutput.Meta):
        fields = [*ImportOutput.Meta.fields, "file_error", "problems"]

    def get_file_error(self, batch: ImportBatch) -> str:
        return batch.report_data.get("file_error", "")

    @extend_schema_field(ProblemOutput(many=True))
    def get_problems(self, batch: ImportBatch) -> list[dict]:
        return batch.report_data.get("problems", [])


class ImportListApi(generics.ListCreateAPIView):
    """Upload a people file (XLSX, CSV, Kobo XLSX or JSON export); its rows are checked in the background."""

    allowed_roles = IMPORTERS
    serializer_class = ImportOutput
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):  # noqa: ANN201
        return imports_visible_to(self.request.user)

    @extend_schema(request=ImportInput, responses={202: ImportOutput})
    def post(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        partner = None
        code = data.validated_data.get("partner")
        if code:
            if scope_for(request.user).is_partner:
                return Response({"partner": [_("You import into your own association only.")]},
                                status=status.HTTP_400_BAD_REQUEST)
            partner = import_targets_for(request.user).filter(code=code).first()
            if partner is None:
                return Response({"partner": [_("Unknown partner.")]}, status=status.HTTP_400_BAD_REQUEST)
        upload = data.validated_data["file"]
        try:
            organisation = services.import_organisation_for(request.user, partner)
            batch = services.import_create(actor=request.user, organisation=organisation, upload=upload,
                                           filename=upload.name, size=upload.size, language=get_language())
        except ValidationError as error:
            return Response({"file": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        batch.refresh_from_db()
        return Response(ImportOutput(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(generics.RetrieveAPIView):
    """An import's status, counts and every problem found (row, column, value, reason)."""

    allowed_roles = IMPORTERS
    serializer_class = ImportDetailOutput

    def get_queryset(self):  # noqa: ANN201
        return imports_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        batch = self.get_object()
        if batch.report_data.get("problems"):
            audit_record(actor=request.user, kind="view", action="import.report_view", target=batch,
                         organisation_id=batch.organisation_id, fields=["report"])
        return Response(self.get_serializer(batch).data)


class ApplyInput(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ImportBatch.Mode.choices)


class ImportApplyApi(APIView):
    """Apply a checked import: all rows or nothing, or the valid rows (the rejected ones go to a file)."""

    allowed_roles = IMPORTERS

    @extend_schema(request=ApplyInput, responses={202: ImportOutput})
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        batch = import_for_user(request.user, pk)
        data = ApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.import_apply_start(actor=request.user, batch=batch, mode=data.validated_data["mode"])
        except ValidationError as error:
            return Response({"mode": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        batch.refresh_from_db()
        return Response(ImportOutput(batch).data, status=status.HTTP_202_ACCEPTED)
