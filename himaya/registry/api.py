"""REST API of people and households, scoped and audited like the pages.

Writes accept an `Idempotency-Key` header; offline clients also send a `client_id`
(UUID they made): the same id with the same data is one record, with other data a 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from himaya.audit.services import audit_record
from himaya.registry import codes, queries, services
from himaya.registry.idempotency import HEADER, idempotent
from himaya.registry.models import Household, Person, Relationship
from himaya.registry.queries import PERSON_READERS, REGISTRARS
from himaya.registry.validation import PersonDataInvalid, person_data_validate

IDEMPOTENCY_HEADER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string per intended write; a retry with the same key replays the answer.",
)


class DocumentIO(serializers.Serializer):
    kind = serializers.CharField()
    number = serializers.CharField(write_only=True)
    number_masked = serializers.CharField(read_only=True)
    issuing_country = serializers.CharField(required=False, allow_blank=True)


class ConsentIO(serializers.Serializer):
    purpose = serializers.CharField()
    legal_basis = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    language = serializers.CharField(required=False, allow_blank=True)
    collected_on = serializers.DateField(required=False)


class PersonInput(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, help_text="Made by an offline client.")
    given_name = serializers.CharField()
    family_name = serializers.CharField(required=False, allow_blank=True)
    other_names = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField()
    birth_precision = serializers.CharField(required=False, allow_blank=True)
    birth_date = serializers.CharField(required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    birth_month = serializers.IntegerField(required=False, allow_null=True)
    approximate_age = serializers.IntegerField(required=False, allow_null=True)
    nationality = serializers.CharField(required=False, allow_blank=True, help_text="ISO 3166 alpha-2 or alpha-3")
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    region = serializers.CharField(required=False, allow_blank=True, help_text="HCP code")
    province = serializers.CharField(required=False, allow_blank=True, help_text="HCP code")
    commune = serializers.CharField(required=False, allow_blank=True, help_text="HCP code")
    phone = serializers.CharField(required=False, allow_blank=True)
    documents = DocumentIO(many=True, required=False)
    vulnerabilities = serializers.ListField(child=serializers.CharField(), required=False)
    consents = ConsentIO(many=True, required=False)


class MaskedDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number_masked = serializers.CharField()


class PersonOutput(serializers.ModelSerializer):
    code = serializers.CharField(source="code_display")
    nationality = serializers.SlugRelatedField(slug_field="alpha2", read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    commune = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    phone_masked = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    vulnerabilities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    consents = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    # A record absorbed by a merge (decision 0204): the code to use instead, when the reader
    # may see the survivor; a record outside their scope is never named (P2).
    merged = serializers.BooleanField(source="is_merged", read_only=True)
    merged_into = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id", "code", "given_name", "family_name", "other_names", "sex", "birth_precision",
            "birth_year", "birth_month", "birth_date", "nationality", "languages", "region",
            "province", "commune", "phone_masked", "documents", "vulnerabilities", "consents",
            "household", "merged", "merged_into",
        ]

    def get_merged_into(self, person: Person) -> str | None:
        if person.merged_into_id is None:
            return None
        request = self.context.get("request")
        survivor = queries.survivor_for_user(getattr(request, "user", None), person)
        return survivor.code_display if survivor is not None else None

    def get_phone_masked(self, person: Person) -> str:
        return queries.mask_phone(person.phone)

    @extend_schema_field(MaskedDocumentOutput(many=True))
    def get_documents(self, person: Person) -> list[dict[str, Any]]:
        return [{"id": d.pk, "kind": d.kind, "number_masked": queries.mask_number(d.number)}
                for d in person.documents.all()]

    def get_consents(self, person: Person) -> list[dict[str, str]]:
        return [{"purpose": c.purpose, "legal_basis": c.legal_basis, "status": c.status}
                for c in person.consents.all()]

    def get_household(self, person: Person) -> str | None:
        membership = getattr(person, "membership", None)
        return membership.household.code_display if membership else None


class PseudonymisedPersonOutput(serializers.ModelSerializer):
    """What M&E officers see: no name, phone, document or exact date, no protection criteria."""

    code = serializers.CharField(source="code_display")
    nationality = serializers.SlugRelatedField(slug_field="alpha2", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    vulnerabilities = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "code", "sex", "birth_year", "nationality", "region", "vulnerabilities"]

    def get_vulnerabilities(self, person: Person) -> list[str]:
        return [v.code for v in person.vulnerabilities.all() if not v.sensitive]


class PseudonymisedOnly(OpenApiSerializerExtension):
    """Closes the pseudonymised shape, so a reader's answer matches exactly one of the two."""

    target_class = "himaya.registry.api.PseudonymisedPersonOutput"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "additionalProperties": False}


def _person_view(many: bool = False) -> PolymorphicProxySerializer:
    # Who reads decides the shape: names for those who see identities, codes for the others.
    return PolymorphicProxySerializer(component_name="PersonView", resource_type_field_name=None,
                                      serializers=[PersonOutput, PseudonymisedPersonOutput], many=many)


def _raw_from(data: dict[str, Any]) -> dict[str, Any]:
    raw = {key: value for key, value in data.items() if key != "client_id"}
    raw["documents"] = [dict(d) for d in data.get("documents", [])]
    raw["consents"] = [dict(c) for c in data.get("consents", [])]
    return raw


def _require_registrar(request: Request) -> None:
    if request.user.membership.role not in REGISTRARS:
        raise PermissionDenied


def _person_output(request: Request, person: Person) -> dict[str, Any]:
    if queries.sees_identity(request.user):
        return PersonOutput(person, context={"request": request}).data
    return PseudonymisedPersonOutput(person).data


class PersonSearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="name, code or phone")


class PersonSearchOutput(serializers.Serializer):
    count = serializers.IntegerField()
    results = _person_view(many=True)


def _search_response(request: Request, query: str) -> Response:
    people = queries.people_search(request.user, query)
    rows = [_person_output(request, p) for p in people]
    if rows and queries.sees_identity(request.user):
        audit_record(actor=request.user, kind="view", action="person.search",
                     object_type="registry.person", fields=["given_name", "family_name"],
                     reason=f"{len(rows)} shown (api)")
    return Response({"count": len(rows), "results": rows})


def _names_belong_in_a_body() -> str:
    return _("Search by name or phone with POST /api/v1/people/search/ and {\"q\": ...}: "
             "a query string is written to access logs. GET ?q= takes only a person's code.")


class PersonListApi(generics.GenericAPIView):
    """List people in your scope, find one by code (`?q=` a full code), or register one.

    Names and phone numbers are searched with `POST /api/v1/people/search/` (decision 0904).
    """

    allowed_roles = PERSON_READERS
    serializer_class = PersonOutput

    @extend_schema(parameters=[OpenApiParameter(
        "q", str, description="a person's full code (XXXX-XXXX-C); names and phones: POST people/search/")],
        responses={200: _person_view(many=True), 400: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:100]
        if query:
            # A name or phone here is already in the access logs: refuse it, so that the
            # client is fixed rather than left writing names to logs (P11).
            if not codes.is_valid(query):
                return Response({"q": [_names_belong_in_a_body()]}, status=status.HTTP_400_BAD_REQUEST)
            return _search_response(request, query)
        people = self.paginate_queryset(queries.people_listed_to(request.user)) or []
        rows = [_person_output(request, p) for p in people]
        if rows and queries.sees_identity(request.user):
            audit_record(actor=request.user, kind="view", action="person.search",
                         object_type="registry.person", fields=["given_name", "family_name"],
                         reason=f"{len(rows)} shown (api)")
        return self.get_paginated_response(rows)

    @extend_schema(request=PersonInput, responses={201: PersonOutput, 200: PersonOutput},
                   parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request) -> Response:
        _require_registrar(request)
        return idempotent(request, lambda: self._register(request))

    def _register(self, request: Request) -> Response:
        organisation = queries.organisation_for_registration(request.user)
        if organisation is None:
            raise PermissionDenied
        body = PersonInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            data = person_data_validate(_raw_from(body.validated_data))
        except PersonDataInvalid as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        client_id = body.validated_data.get("client_id")
        try:
            registration = services.person_register(
                actor=request.user, organisation=organisation, data=data,
                external_id=f"client:{client_id}" if client_id else "",
            )
        except services.ExternalIdConflict:
            return Response({"client_id": [_conflict_message()]}, status=status.HTTP_409_CONFLICT)
        return Response(PersonOutput(registration.person, context={"request": request}).data,
                        status=status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK)


def _conflict_message() -> str:
    return _("This client id was already used for other data; nothing was changed.")


class PersonSearchApi(generics.GenericAPIView):
    """Search people in your scope by name (tolerant), code or phone, the query in the body.

    A POST, not `GET ?q=`: a name or phone in a URL is written to every access log on the
    way (P11, decision 0904). Same scope, ranking and audit as the registry's search page.
    """

    allowed_roles = PERSON_READERS
    serializer_class = PersonSearchInput

    @extend_schema(request=PersonSearchInput, responses=PersonSearchOutput)
    def post(self, request: Request) -> Response:
        body = PersonSearchInput(data=request.data)
        body.is_valid(raise_exception=True)
        return _search_response(request, body.validated_data["q"].strip())


class PersonDetailApi(generics.GenericAPIView):
    allowed_roles = PERSON_READERS
    serializer_class = PersonOutput

    def _person(self, request: Request, pk: int) -> Person:
        return queries.person_for_user(request.user, pk)

    @extend_schema(responses=_person_view())
    def get(self, request: Request, pk: int) -> Response:
        person = self._person(request, pk)
        if queries.sees_identity(request.user):
            services.person_viewed(actor=request.user, person=person,
                                   fields=["given_name", "family_name", "other_names", "birth_date"],
                                   action="person.view_api")
        return Response(_person_output(request, person))

    @extend_schema(request=PersonInput, responses=PersonOutput, parameters=[IDEMPOTENCY_HEADER])
    def patch(self, request: Request, pk: int) -> Response:
        _require_registrar(request)
        person = self._person(request, pk)
        return idempotent(request, lambda: self._update(request, person))

    def _update(self, request: Request, person: Person) -> Response:
        body = PersonInput(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        current = services.person_snapshot(person)
        current["documents"] = [{"kind": k, "number": n, "issuing_country": c}
                                for k, n, c in current["documents"]]
        if current["birth_precision"] == "age":
            current["birth_precision"] = "year"
        merged = {**current, **_raw_from({**body.validated_data})}
        for listed in ("documents", "consents"):
            if listed not in body.validated_data:
                merged[listed] = current.get(listed, [])
        try:
            data = person_data_validate(merged, require_consent=False)
            services.person_update(actor=request.user, person=person, data=data)
        except PersonDataInvalid as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        except ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_409_CONFLICT)
        person.refresh_from_db()
        return Response(PersonOutput(person, context={"request": request}).data)


class MemberIO(serializers.Serializer):
    person = serializers.IntegerField()
    relationship = serializers.ChoiceField(choices=Relationship.choices)


class HouseholdInput(serializers.Serializer):
    client_id = serializers.UUIDField(required=False)
    members = MemberIO(many=True)


class HouseholdOutput(serializers.ModelSerializer):
    code = serializers.CharField(source="code_display")
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "code", "members"]

    def get_members(self, household: Household) -> list[dict[str, Any]]:
        return [{"person": m.person_id, "code": m.person.code_display, "relationship": m.relationship}
                for m in household.members.select_related("person")]


class HouseholdListApi(generics.GenericAPIView):
    allowed_roles = PERSON_READERS
    serializer_class = HouseholdOutput

    @extend_schema(responses=HouseholdOutput(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(queries.households_visible_to(request.user)) or []
        return self.get_paginated_response(HouseholdOutput(page, many=True).data)

    @extend_schema(request=HouseholdInput, responses={201: HouseholdOutput, 200: HouseholdOutput},
                   parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request) -> Response:
        _require_registrar(request)
        return idempotent(request, lambda: self._register(request))

    def _register(self, request: Request) -> Response:
        organisation = queries.organisation_for_registration(request.user)
        if organisation is None:
            raise PermissionDenied
        body = HouseholdInput(data=request.data)
        body.is_valid(raise_exception=True)
        visible = queries.people_visible_to(request.user)
        members = []
        for row in body.validated_data["members"]:
            person = visible.filter(pk=row["person"]).first()
            if person is None:
                # Another partner's person is not found, exactly like a wrong id.
                return Response({"members": [_("Unknown person %(id)s.") % {"id": row["person"]}]},
                                status=status.HTTP_400_BAD_REQUEST)
            members.append(services.MemberData(person, row["relationship"]))
        client_id = body.validated_data.get("client_id")
        try:
            household, created = services.household_register(
                actor=request.user, organisation=organisation, members=members,
                external_id=f"client:{client_id}" if client_id else "",
            )
        except services.ExternalIdConflict:
            return Response({"client_id": [_conflict_message()]}, status=status.HTTP_409_CONFLICT)
        except ValidationError as error:
            return Response({"members": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(HouseholdOutput(household).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class HouseholdDetailApi(generics.RetrieveAPIView):
    allowed_roles = PERSON_READERS
    serializer_class = HouseholdOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.households_visible_to(self.request.user)
