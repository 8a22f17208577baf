"""Assistance API: the offline sync of deliveries, and scoped reads.

Views stay thin: they call `sync`, `services` and `queries`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.accounts.roles import PARTNER_STAFF
from himaya.assistance import kobo_import, queries, sync
from himaya.assistance.models import Delivery, Referral
from himaya.registry.idempotency import idempotent


class SyncItemInput(serializers.Serializer):
    """One offline delivery: codes, never names or database ids of people."""

    uuid = serializers.UUIDField(help_text="The client's id: the same id twice is one delivery.")
    type = serializers.CharField(help_text="Assistance type code, e.g. food-kit.")
    person = serializers.CharField(required=False, help_text="Person code (or give household).")
    household = serializers.CharField(required=False, help_text="Household code (or give person).")
    delivered_on = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    commune = serializers.CharField(required=False)
    site = serializers.CharField(required=False)
    distribution = serializers.IntegerField(required=False)
    warehouse = serializers.IntegerField(required=False)
    programme = serializers.CharField(required=False)
    override_reason = serializers.CharField(required=False)


class SyncInput(serializers.Serializer):
    deliveries = SyncItemInput(many=True)


class VoucherIssuedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class SyncResultOutput(serializers.Serializer):
    index = serializers.IntegerField()
    uuid = serializers.CharField()
    status = serializers.CharField(help_text="created, replayed, conflict, refused or invalid")
    http = serializers.IntegerField()
    id = serializers.IntegerField(required=False)
    errors = serializers.ListField(child=serializers.CharField(), required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False)
    voucher = VoucherIssuedOutput(required=False, help_text="For a voucher delivery just created: the "
                                  "voucher and its code, given once (a replay does not repeat it).")


class SyncOutput(serializers.Serializer):
    results = SyncResultOutput(many=True)
    failed = serializers.IntegerField()
    created = serializers.IntegerField()
    replayed = serializers.IntegerField()
    conflict = serializers.IntegerField()
    refused = serializers.IntegerField()
    invalid = serializers.IntegerField()


class DeliverySyncApi(APIView):
    """POST {"deliveries": [...]}: each item with a client `uuid`; one result per item, in order.

    200 when every item was created or replayed; 207 when some failed (each says why,
    with its own `http`: 409 for a client id reused with another body, 422 for a rule,
    consent or stock refusal, 400 for bad input). An `Idempotency-Key` header makes the
    whole request replayable: a retry gets the first answer.
    """

    allowed_roles = queries.DELIVERY_WRITERS

    @extend_schema(request=SyncInput, responses={200: SyncOutput, 207: SyncOutput})
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}

        def perform() -> Response:
            try:
                outcomes = sync.sync_batch(actor=request.user, raw_items=body.get("deliveries"))
            except sync.BatchError as error:
                return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
            results = [sync.outcome_json(o) for o in outcomes]
            counts = {name: sum(1 for o in outcomes if o.status == name)
                      for name in ("created", "replayed", "conflict", "refused", "invalid")}
            failed = sum(1 for o in outcomes if not o.ok)
            return Response({"results": results, "failed": failed, **counts}, status=207 if failed else 200)

        # The registry's Idempotency-Key handling: a retried request gets the first answer.
        return idempotent(request, perform)


class DeliveryOutput(serializers.ModelSerializer):
    type = serializers.SlugRelatedField(source="assistance_type", slug_field="code", read_only=True)
    person = serializers.SlugRelatedField(slug_field="code", read_only=True)
    household = serializers.SlugRelatedField(slug_field="code", read_only=True)
    partner = serializers.SlugRelatedField(source="organisation", slug_field="code", read_only=True)
    uuid = serializers.UUIDField(source="client_uuid", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "uuid", "type", "person", "household", "quantity", "value", "delivered_on", "partner",
                  "site", "distribution"]


class DeliveryListApi(generics.ListAPIView):
    allowed_roles = queries.DELIVERY_READERS
    serializer_class = DeliveryOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.deliveries_shown_to(self.request.user).select_related("assistance_type", "person",
                                                                              "household", "organisation")


class ReferralOutput(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Plain codes: the choices are documented in the guide (and an enum per app collides in the schema).
    category = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    facility = serializers.SlugRelatedField(slug_field="code", read_only=True)
    partner = serializers.SlugRelatedField(source="organisation", slug_field="code", read_only=True)
    has_clinical_notes = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ["id", "person", "partner", "facility", "category", "referred_on", "cost_covered", "status",
                  "proof_reference", "has_clinical_notes"]

    def get_has_clinical_notes(self, referral: Referral) -> bool:
        return bool(referral.clinical_notes)


class ReferralListOutput(serializers.Serializer):
    results = ReferralOutput(many=True, required=False, help_text="For protection officers and coordinators.")
    counts = serializers.DictField(child=serializers.IntegerField(), required=False,
                                   help_text="For every other staff role: referrals by status.")


class ReferralListApi(APIView):
    """Referral rows for medical readers; for every other staff role, counts by status only."""

    allowed_roles = queries.MEDICAL_COUNTERS

    @extend_schema(responses=ReferralListOutput)
    def get(self, request: Request) -> Response:
        if queries.sees_medical_details(request.user):
            rows = queries.referrals_visible_to(request.user)[:500]
            return Response({"results": ReferralOutput(rows, many=True).data})
        return Response({"counts": queries.referral_counts(request.user)})


class KoboImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="The Kobo / ODK export: JSON (a list, or {\"results\": [...]}) or "
                                 "XLSX (\"XML values and headers\"). A JSON body of submissions is also accepted.")


class KoboRowOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="The submission's position in the file, from 1.")
    instance_id = serializers.CharField()
    person = serializers.CharField()
    status = serializers.CharField(help_text="created, replayed, refusal, refusal_replayed or failed")
    errors = serializers.ListField(child=serializers.CharField())
    deliveries = serializers.ListField(child=serializers.IntegerField())
    vouchers = VoucherIssuedOutput(many=True, help_text="Vouchers issued by this import: codes given once.")


class KoboImportOutput(serializers.Serializer):
    rows = KoboRowOutput(many=True)
    created = serializers.IntegerField()
    replayed = serializers.IntegerField()
    refusals = serializers.IntegerField()
    failed = serializers.IntegerField()


class DistributionKoboImportApi(APIView):
    """POST a Kobo/ODK export of a distribution's check-in; one result per submission, in order.

    Imported through the offline sync path: a file sent twice creates nothing (every row
    `replayed`); a row whose delivery is refused is reported with the reasons and none of its
    deliveries is kept; the others are recorded. 200 when no row failed, 207 otherwise, 400
    when the file cannot be read or the distribution is not open for import. Another
    association's distribution is a 404.
    """

    allowed_roles = PARTNER_STAFF
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(request={"multipart/form-data": KoboImportInput}, responses={200: KoboImportOutput,
                                                                                207: KoboImportOutput})
    def post(self, request: Request, pk: int) -> Response:
        distribution = queries.distribution_for_user(request.user, pk)
        try:
            upload = request.FILES.get("file")
            if upload is not None:
                if upload.size > kobo_import.max_bytes():
                    raise kobo_import.ImportFileError(_("The file is too large; the limit is %(limit)s MB.") % {
                        "limit": round(kobo_import.max_bytes() / 1024 / 1024, 1)})
                submissions = kobo_import.read_submissions(upload.name, upload.read())
            else:
                data = request.data
                if isinstance(data, dict):
                    data = data.get("results", data.get("value"))
                if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                    raise kobo_import.ImportFileError(
                        _("Send the export as a file, or a JSON list of submissions."))
                submissions = [kobo_import.flatten(r) for r in data]
            result = kobo_import.kobo_import(actor=request.user, distribution=distribution,
                                             submissions=submissions)
        except kobo_import.ImportFileError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST)
        rows = [{"row": r.row, "instance_id": r.instance_id, "person": r.person, "status": r.status,
                 "errors": r.errors, "deliveries": [d.pk for d in r.deliveries],
                 "vouchers": [{"id": v.voucher.pk, "code": v.code_display} for v in r.vouchers]}
                for r in result.rows]
        return Response({"rows": rows, "created": result.created, "replayed": result.replayed,
                         "refusals": result.refusals, "failed": result.failed},
                        status=207 if result.failed else 200)
