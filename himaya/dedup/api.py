"""Deduplication for clients: the registration check (offline app, Kobo bridge) before they
register, and the review queue, decisions, runs and strong-pair merges (decision 0311)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework import status as http_status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from himaya.dedup import queries, services
from himaya.dedup.labels import readable
from himaya.dedup.models import CandidatePair, DedupRun, NameEquivalent, PairStatus
from himaya.dedup.registration import registration_check
from himaya.organisations.models import Organisation, Programme
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
    through = serializers.CharField(
        allow_blank=True,
        help_text="Code of the earlier registration, merged into this person, that matched "
                  "(empty when the person's own record matched).")


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
                 "fields": readable(m.score.detail()),
                 "through": m.through.code_display if m.through else ""}
                for m in result.matches
            ],
            "elsewhere": result.elsewhere,
            "message": elsewhere_message() if result.elsewhere else "",
            "elapsed_ms": round(result.elapsed_ms, 1),
        })


# --- The review queue, decisions and runs (decision 0311) ---------------------------------
# Codes only, never names or numbers: a client shows the pair's comparison field by field,
# and opens the pair page (audited) when a reviewer needs to see the people.

class PairSideOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    organisation = serializers.CharField(help_text="code of the partner who registered the person")


class PairOutput(serializers.ModelSerializer):
    person_low = serializers.SerializerMethodField()
    person_high = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PairStatus.choices, read_only=True)
    band = serializers.ChoiceField(choices=CandidatePair.Band.choices, read_only=True)
    kept_apart = serializers.ChoiceField(choices=[("", ""), *CandidatePair.KeptApart.choices],
                                         read_only=True)

    class Meta:
        model = CandidatePair
        fields = ["id", "weight", "band", "status", "kept_apart", "through_merged", "cross_partner", "run",
                  "person_low", "person_high", "comparison", "updated_at"]

    @staticmethod
    def _side(person: Any) -> dict[str, Any]:
        return {"id": person.pk, "code": person.code_display, "organisation": person.organisation.code}

    @extend_schema_field(PairSideOutput)
    def get_person_low(self, pair: CandidatePair) -> dict[str, Any]:
        return self._side(pair.person_low)

    @extend_schema_field(PairSideOutput)
    def get_person_high(self, pair: CandidatePair) -> dict[str, Any]:
        return self._side(pair.person_high)

    @extend_schema_field(FieldOutput(many=True))
    def get_comparison(self, pair: CandidatePair) -> list[dict[str, Any]]:
        return readable(pair.detail)


def _float_param(value: str | None, low: float = -1e6, high: float = 1e6) -> float | None:
    """A number from the query string, or None (an odd value filters nothing, as on the page)."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and low <= number <= high else None


class PairListApi(generics.ListAPIView):
    """Pairs to review in your scope, strongest first (by default those still pending)."""

    allowed_roles = queries.REVIEWERS
    serializer_class = PairOutput

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=list(PairStatus.values)),
        OpenApiParameter("band", str, enum=list(CandidatePair.Band.values)),
        OpenApiParameter("cross", str, enum=["yes", "no"], description="across partners or not"),
        OpenApiParameter("min_weight", float),
    ])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        params = self.request.query_params
        status = params.get("status")
        band = params.get("band")
        return queries.review_queue(
            self.request.user,
            status=status if status in PairStatus.values else PairStatus.PENDING,
            band=band if band in CandidatePair.Band.values else "",
            cross=params.get("cross", ""), min_weight=_float_param(params.get("min_weight")),
        )


class PairDetailApi(generics.RetrieveAPIView):
    """One pair and how its two records compare, field by field."""

    allowed_roles = queries.REVIEWERS
    serializer_class = PairOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.pairs_visible_to(self.request.user)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[PairStatus.SAME, PairStatus.DIFFERENT,
                                                PairStatus.UNSURE])
    keep = serializers.IntegerField(required=False, allow_null=True,
                                    help_text="id of the record kept when the decision is "
                                              "`same` (default: the first registered)")


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()


class PairDecideApi(generics.GenericAPIView):
    """Same person (merges at once), different people (never proposed again), or unsure."""

    allowed_roles = queries.REVIEWERS
    serializer_class = DecideInput

    def get_queryset(self):  # noqa: ANN201
        return queries.pairs_visible_to(self.request.user)

    @extend_schema(request=DecideInput, responses={200: PairOutput, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        pair = self.get_object()
        body = DecideInput(data=request.data)
        body.is_valid(raise_exception=True)
        keep_id = body.validated_data.get("keep")
        keep = None
        if keep_id is not None:
            if keep_id not in (pair.person_low_id, pair.person_high_id):
                return Response({"keep": [_("The record kept must be one of the pair.")]},
                                status=http_status.HTTP_400_BAD_REQUEST)
            keep = pair.person_low if keep_id == pair.person_low_id else pair.person_high
        try:
            services.pair_decide(pair=pair, decision=body.validated_data["decision"],
                                 actor=request.user, keep=keep)
        except DjangoValidationError as error:
            return Response({"detail": " ".join(error.messages)},
                            status=http_status.HTTP_400_BAD_REQUEST)
        pair.refresh_from_db()
        return Response(PairOutput(pair).data)


class RunOutput(serializers.ModelSerializer):
    # None: the whole registry, or the engine's default thresholds.
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=DedupRun.Status.choices, read_only=True)

    class Meta:
        model = DedupRun
        fields = ["id", "organisation", "programme", "status", "auto_merge", "review", "records",
                  "pairs_review", "pairs_auto", "pairs_known", "model_version", "job",
                  "created_at", "finished_at", "error"]


class RunInput(serializers.Serializer):
    organisation = serializers.CharField(
        required=False, allow_blank=True, allow_null=True,
        help_text="code of the caseload to compare (mission reviewers; empty: the whole "
                  "registry). A coordinator's run is always the own caseload.")
    programme = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                      help_text="code of the programme whose thresholds apply")


class RunListApi(generics.ListAPIView):
    """Deduplication runs in your scope; POST starts one as a job."""

    allowed_roles = queries.REVIEWERS
    serializer_class = RunOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.runs_visible_to(self.request.user).order_by("-pk")

    @extend_schema(request=RunInput, responses={201: RunOutput, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = RunInput(data=request.data)
        body.is_valid(raise_exception=True)
        organisation = programme = None
        if queries.whole_registry(request.user):
            code = (body.validated_data.get("organisation") or "").strip()
            if code:
                organisation = Organisation.objects.filter(
                    code=code, kind__in=[Organisation.Kind.PARTNER, Organisation.Kind.MISSION]).first()
                if organisation is None:
                    return Response({"organisation": [_("No caseload with this code.")]},
                                    status=http_status.HTTP_400_BAD_REQUEST)
        else:
            organisation = Organisation.objects.get(pk=queries.caseload_of(request.user))
        code = (body.validated_data.get("programme") or "").strip()
        if code:
            programme = Programme.objects.filter(code=code).first()
            if programme is None:
                return Response({"programme": [_("No programme with this code.")]},
                                status=http_status.HTTP_400_BAD_REQUEST)
        run = services.dedup_run_start(actor=request.user, organisation=organisation,
                                       programme=programme)
        return Response(RunOutput(run).data, status=http_status.HTTP_201_CREATED)


class RunDetailApi(generics.RetrieveAPIView):
    allowed_roles = queries.REVIEWERS
    serializer_class = RunOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.runs_visible_to(self.request.user)


class MergeStrongInput(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="true: the weakest strong pairs have been looked at (decision 0309)")


class MergeStrongOutput(serializers.Serializer):
    job = serializers.IntegerField(help_text="follow it at /api/v1/jobs/{id}/; its result "
                                             "counts the groups merged and left")
    pairs = serializers.IntegerField(help_text="strong pairs waiting when the job was queued")


class RunMergeStrongApi(generics.GenericAPIView):
    """Merge the run's strong pairs, group by group, as a job (decision 0309)."""

    allowed_roles = queries.REVIEWERS
    serializer_class = MergeStrongInput

    def get_queryset(self):  # noqa: ANN201
        return queries.runs_visible_to(self.request.user)

    @extend_schema(request=MergeStrongInput,
                   responses={202: MergeStrongOutput, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        run = self.get_object()
        body = MergeStrongInput(data=request.data)
        body.is_valid(raise_exception=True)
        if not body.validated_data["confirm"]:
            return Response({"confirm": [_("Look at the weakest strong pairs, then confirm.")]},
                            status=http_status.HTTP_400_BAD_REQUEST)
        # A count, not the groups: the job builds those itself.
        pairs = queries.strong_pairs(run, request.user).count()
        try:
            job = services.strong_pairs_merge_start(run=run, actor=request.user)
        except DjangoValidationError as error:
            return Response({"detail": " ".join(error.messages)},
                            status=http_status.HTTP_400_BAD_REQUEST)
        return Response({"job": job.pk, "pairs": pairs}, status=http_status.HTTP_202_ACCEPTED)


class NameEquivalentIO(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = NameEquivalent
        fields = ["id", "group", "variants", "related", "note", "added_by", "created_at"]
        read_only_fields = ["id", "added_by", "created_at"]
        extra_kwargs = {"variants": {"help_text": "other spellings, separated by | or commas"},
                        "related": {"required": False}, "note": {"required": False}}


class NameEquivalentListApi(generics.ListAPIView):
    """The mission's own name equivalences (decision 0313); POST adds one, checked like the page."""

    allowed_roles = queries.WHOLE_REGISTRY
    serializer_class = NameEquivalentIO
    queryset = NameEquivalent.objects.select_related("added_by").order_by("pk")

    @extend_schema(request=NameEquivalentIO,
                   responses={201: NameEquivalentIO, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = NameEquivalentIO(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            row = services.name_equivalent_add(
                actor=request.user, group=data["group"], variants=data["variants"],
                related=data.get("related", ""), note=data.get("note", ""))
        except DjangoValidationError as error:
            return Response({"detail": " ".join(error.messages)},
                            status=http_status.HTTP_400_BAD_REQUEST)
        return Response(NameEquivalentIO(row).data, status=http_status.HTTP_201_CREATED)


class NameEquivalentDetailApi(generics.RetrieveDestroyAPIView):
    allowed_roles = queries.WHOLE_REGISTRY
    serializer_class = NameEquivalentIO
    queryset = NameEquivalent.objects.select_related("added_by")

    def perform_destroy(self, instance: NameEquivalent) -> None:
        services.name_equivalent_remove(row=instance, actor=self.request.user)
