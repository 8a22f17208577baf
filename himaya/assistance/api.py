"""Assistance API: the offline sync of deliveries, and scoped reads.

Views stay thin: they call `sync`, `services` and `queries`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.assistance import queries, sync
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


class SyncResultOutput(serializers.Serializer):
    index = serializers.IntegerField()
    uuid = serializers.CharField()
    status = serializers.CharField(help_text="created, replayed, conflict, refused or invalid")
    http = serializers.IntegerField()
    id = serializers.IntegerField(required=False)
    errors = serializers.ListField(child=serializers.CharField(), required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False)


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
