"""Voucher API: vendors check and redeem codes (Idempotency-Key), read statements; partners
issue, list, cancel and reissue. Same services and queries as the pages."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions as api_exceptions
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from himaya.accounts.access import RoleAccessPermission
from himaya.accounts.api_auth import PersonalTokenAuthentication
from himaya.accounts.scopes import scope_for
from himaya.organisations.models import Organisation
from himaya.registry import codes as registry_codes
from himaya.registry.queries import households_visible_to, people_visible_to
from himaya.vouchers import codes, queries, services
from himaya.vouchers.models import Category, Redemption, Statement, Voucher
from himaya.vouchers.views import VENDORS

# How each refusal answers over HTTP.
REFUSAL_STATUS = {
    "invalid_amount": 400, "invalid_key": 400, "invalid_code": 400, "not_a_vendor": 403,
    "unknown_code": 404, "key_reused": 409, "cancelled": 409, "expired": 409,
    "fully_redeemed": 409, "insufficient_balance": 409, "not_yet_valid": 422,
    "wrong_category": 422, "no_contract": 422, "wrong_vendor": 422, "rate_limited": 429,
}

Refusal = inline_serializer("VoucherRefusal", {"code": serializers.CharField(), "detail": serializers.CharField()})
# A 400 is either a refusal or DRF's field errors ({"code": ["This field is required."]}).
BadRequest = OpenApiResponse(OpenApiTypes.OBJECT,
                             description="A refusal {code, detail}, or each field in error with its messages.")


def _refused(refusal: services.VoucherRefused) -> Response:
    response = Response({"code": refusal.code, "detail": refusal.message},
                        status=REFUSAL_STATUS.get(refusal.code, 400))
    if refusal.code == "rate_limited":
        response["Retry-After"] = "60"
    return response


def _vendor(request: Any) -> Organisation:
    """The caller's shop, as a reference built from the scope already loaded: the services
    need only its id and kind, and a till calls this route all day long."""
    scope = scope_for(request.user)
    if not scope.is_vendor or scope.organisation_id is None:
        raise ApiPermissionDenied
    return Organisation(pk=scope.organisation_id, kind=scope.organisation_kind)


class CodeInput(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class VendorVoucherOutput(serializers.Serializer):
    """What a vendor sees: value and validity, never who the voucher is for (P6)."""

    code_hint = serializers.CharField()
    status = serializers.CharField()
    usable = serializers.BooleanField()
    refusal = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


def vendor_view(check: services.VoucherCheck) -> dict[str, Any]:
    voucher = check.voucher
    data = {
        "code_hint": voucher.code_hint, "status": voucher.status, "usable": check.usable,
        "refusal": check.refusal.code if check.refusal else None,
        "message": check.refusal.message if check.refusal else "",
        "category": voucher.category, "value": voucher.value, "balance": voucher.balance,
        "currency": "MAD", "valid_from": voucher.valid_from, "valid_until": voucher.valid_until,
    }
    out = dict(VendorVoucherOutput(data).data)
    if check.first_name:
        out["first_name"] = check.first_name  # only where the programme allows it
    return out


class VoucherCheckApi(APIView):
    """A vendor looks a code up: value left and validity. Wrong codes count towards the limit."""

    allowed_roles = VENDORS

    @extend_schema(request=CodeInput, responses={200: VendorVoucherOutput, 400: BadRequest, 404: Refusal, 429: Refusal})
    def post(self, request: Any) -> Response:
        vendor = _vendor(request)
        payload = CodeInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            check = services.voucher_check(code=payload.validated_data["code"], vendor=vendor)
        except services.VoucherRefused as refusal:
            return _refused(refusal)
        return Response(vendor_view(check))


class RedeemInput(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    amount = serializers.CharField(max_length=20, help_text="MAD, at most two decimals, e.g. \"72.50\"")


class ReceiptOutput(serializers.Serializer):
    receipt = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField()
    at = serializers.DateTimeField()
    replayed = serializers.BooleanField()


# Unbound fields format a receipt exactly as ReceiptOutput would (a test holds them
# equal) without building a serializer, whose fields are deep-copied on every instance,
# on a till's busiest call.
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)
_AT = serializers.DateTimeField()


def receipt_view(redemption: Redemption, replayed: bool) -> dict[str, Any]:
    return {
        "receipt": redemption.receipt_number, "amount": _MONEY.to_representation(redemption.amount),
        "balance": _MONEY.to_representation(redemption.balance_after), "currency": "MAD",
        # From the redemption itself, so a replay answers exactly what the first call did.
        "status": "redeemed" if redemption.balance_after == 0 else "partly_redeemed",
        "at": _AT.to_representation(redemption.at), "replayed": replayed,
    }


def redeem_input(data: Any) -> tuple[str, str]:
    """(code, amount) as RedeemInput validates them. Plain printable ASCII text of the right
    length — what every till sends — is taken as it is (stripped, as CharField does);
    anything else goes through the serializer, for its checks and its error messages."""
    if isinstance(data, dict):
        code, amount = data.get("code"), data.get("amount")
        if (isinstance(code, str) and isinstance(amount, str) and code.isascii() and amount.isascii()
                and code.isprintable() and amount.isprintable()):
            code, amount = code.strip(), amount.strip()
            if 0 < len(code) <= 64 and 0 < len(amount) <= 20:
                return code, amount
    payload = RedeemInput(data=data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data["code"], payload.validated_data["amount"]


def _json(data: dict[str, Any], status_code: int, allow: str) -> HttpResponse:
    """The bytes and headers DRF's JSONRenderer and APIView give the same answer (a test
    holds them equal)."""
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(),
        content_type="application/json", status=status_code)
    response["Allow"] = allow
    response["Vary"] = "Accept"
    return response


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _wants_json(request: Any) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return not accept or accept == "*/*" or accept.startswith("application/json")


class VoucherRedeemApi(APIView):
    """Redeem all or part of a voucher. Send an `Idempotency-Key`: a retry returns the first
    answer (200, `replayed: true`); the same key with another code or amount is a 409."""

    allowed_roles = VENDORS

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """A till's plain call — a personal token, a JSON object, JSON wanted — is answered
        without DRF's request wrapping, negotiation and rendering (a tenth of the web side's
        CPU: docs/decisions/0504-api-token-fast-path.md): the same token authentication,
        access rule, input reading, service and answer bytes. Anything else, and any doubt
        before the service runs, goes through DRF as before."""
        if not (request.method == "POST" and getattr(request, "himaya_token_call", False)
                and request.content_type == "application/json" and request.encoding in (None, "utf-8")
                and 0 < int(request.META.get("CONTENT_LENGTH") or 0) <= 4096 and _wants_json(request)):
            return super().dispatch(request, *args, **kwargs)
        try:
            found = PersonalTokenAuthentication().authenticate(request)
            # As DRF's JSONParser reads it: UTF-8 without a BOM, no NaN or Infinity.
            data = json.loads(request.body.decode("utf-8"), parse_constant=_no_constant)
        except (api_exceptions.APIException, ValueError):
            found = None
        if found is None:
            return super().dispatch(request, *args, **kwargs)  # DRF gives the right error
        request.user, request.auth = found
        if not RoleAccessPermission().has_permission(request, self):
            return super().dispatch(request, *args, **kwargs)
        try:
            vendor = _vendor(request)
            code, amount = redeem_input(data)
        except api_exceptions.APIException:
            return super().dispatch(request, *args, **kwargs)
        self.request, self.args, self.kwargs = request, args, kwargs
        allow = ", ".join(self.allowed_methods)
        try:
            result = services.voucher_redeem(
                code=code, vendor=vendor, amount=amount, actor=request.user,
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        except services.VoucherRefused as refusal:
            response = _json({"code": refusal.code, "detail": str(refusal.message)},
                             REFUSAL_STATUS.get(refusal.code, 400), allow)
            if refusal.code == "rate_limited":
                response["Retry-After"] = "60"
            return response
        return _json(receipt_view(result.redemption, result.replayed),
                     status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED, allow)

    @extend_schema(
        request=RedeemInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={201: ReceiptOutput, 200: ReceiptOutput, 400: BadRequest, 404: Refusal,
                   409: Refusal, 422: Refusal, 429: Refusal},
    )
    def post(self, request: Any) -> Response:
        vendor = _vendor(request)
        code, amount = redeem_input(request.data)
        try:
            result = services.voucher_redeem(
                code=code, vendor=vendor, amount=amount, actor=request.user,
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        except services.VoucherRefused as refusal:
            return _refused(refusal)
        return Response(receipt_view(result.redemption, result.replayed),
                        status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)


class StatementLineOutput(serializers.ModelSerializer):
    receipt = serializers.CharField(source="receipt_number")
    voucher = serializers.SerializerMethodField()
    partner = serializers.CharField(source="voucher.partner.code")

    class Meta:
        model = Redemption
        fields = ["receipt", "at", "amount", "balance_after", "voucher", "partner"]

    def get_voucher(self, obj: Redemption) -> str:
        return f"{obj.voucher.code_hint}…"


class StatementOutput(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")

    class Meta:
        model = Statement
        fields = ["id", "vendor", "period_start", "period_end", "count", "total", "status", "paid_at",
                  "payment_reference"]


class StatementDetailOutput(StatementOutput):
    lines = serializers.SerializerMethodField()

    class Meta(StatementOutput.Meta):
        fields = [*StatementOutput.Meta.fields, "lines"]

    def get_lines(self, obj: Statement) -> list[dict[str, Any]]:
        return StatementLineOutput(queries.statement_lines(obj), many=True).data


class StatementInput(serializers.Serializer):
    vendor = serializers.SlugField(required=False, help_text="Vendor code; a vendor's own by default")
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class StatementListApi(generics.ListCreateAPIView):
    """Statements the caller may read; POST makes one of a vendor's redemptions not yet on one."""

    allowed_roles = queries.STATEMENT_READERS
    serializer_class = StatementOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.statements_visible_to(self.request.user)

    @extend_schema(request=StatementInput, responses={201: StatementDetailOutput})
    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        payload = StatementInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        vendors = queries.vendors_for_statements(request.user)
        vendor = (vendors.filter(code=data["vendor"]) if data.get("vendor") else vendors).first()
        if vendor is None or (not data.get("vendor") and vendors.count() != 1):
            raise ApiValidationError({"vendor": ["unknown vendor code"]})
        try:
            statement = services.statement_create(
                actor=request.user, vendor=vendor, period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None
        return Response(StatementDetailOutput(statement).data, status=status.HTTP_201_CREATED)


class StatementDetailApi(generics.RetrieveAPIView):
    allowed_roles = queries.STATEMENT_READERS
    serializer_class = StatementDetailOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.statements_visible_to(self.request.user)


# --- Partners ------------------------------------------------------------------------------


class VoucherOutput(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.code")
    person = serializers.CharField(source="person.code", allow_null=True, default=None)
    household = serializers.CharField(source="household.code", allow_null=True, default=None)
    replaces = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Voucher
        fields = ["id", "code_hint", "partner", "person", "household", "category", "value", "balance",
                  "valid_from", "valid_until", "status", "issued_at", "replaces"]


class IssuedOutput(VoucherOutput):
    code = serializers.SerializerMethodField()

    class Meta(VoucherOutput.Meta):
        fields = [*VoucherOutput.Meta.fields, "code"]

    def get_code(self, obj: Voucher) -> str:
        return codes.display(self.context["codes"][obj.pk])


def _issued(issued: list[services.IssuedVoucher]) -> list[dict[str, Any]]:
    context = {"codes": {i.voucher.pk: i.code for i in issued}}
    return IssuedOutput([i.voucher for i in issued], many=True, context=context).data


class VoucherListApi(generics.ListCreateAPIView):
    """Vouchers the caller's organisation issued; POST issues one per person or household
    code given (the codes come back once, in this answer only)."""

    allowed_roles = queries.VOUCHER_READERS
    serializer_class = VoucherOutput

    class IssueInput(serializers.Serializer):
        people = serializers.ListField(child=serializers.CharField(), required=False, default=list)
        households = serializers.ListField(child=serializers.CharField(), required=False, default=list)
        category = serializers.ChoiceField(choices=Category.choices)
        value = serializers.DecimalField(max_digits=12, decimal_places=2)
        valid_from = serializers.DateField()
        valid_until = serializers.DateField()
        vendors = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
        label = serializers.CharField(max_length=160, required=False, default="")

    def get_queryset(self):  # noqa: ANN201
        return queries.vouchers_visible_to(self.request.user)

    @extend_schema(request=IssueInput, responses={201: IssuedOutput(many=True)})
    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if request.user.membership.role not in queries.ISSUERS:
            raise ApiPermissionDenied
        payload = self.IssueInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        beneficiaries: list[Any] = []
        for field, visible in (("people", people_visible_to), ("households", households_visible_to)):
            wanted = [registry_codes.normalise(c) for c in data[field]]
            found = {o.code: o for o in visible(request.user).filter(code__in=wanted)}
            missing = [c for c in wanted if c not in found]
            if missing:
                raise ApiValidationError({field: [f"unknown: {', '.join(missing[:20])}"]})
            beneficiaries += [found[c] for c in wanted]
        vendors = list(Organisation.objects.filter(kind=Organisation.Kind.VENDOR, code__in=data["vendors"]))
        if len(vendors) != len(set(data["vendors"])):
            raise ApiValidationError({"vendors": ["unknown vendor code"]})
        try:
            issued = services.voucher_issue(
                actor=request.user, beneficiaries=beneficiaries, category=data["category"],
                value=data["value"], valid_from=data["valid_from"], valid_until=data["valid_until"],
                vendors=vendors, label=data["label"],
            )
        except ValidationError as error:
            raise ApiValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        except PermissionDenied as error:
            raise ApiPermissionDenied(str(error)) from None
        return Response(_issued(issued), status=status.HTTP_201_CREATED)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class _VoucherAction(APIView):
    allowed_roles = queries.ISSUERS

    def voucher(self, pk: Any) -> Voucher:
        # Another partner's voucher is a 404 (DRF turns Http404 into one).
        return queries.voucher_for_user(self.request.user, pk)


class VoucherCancelApi(_VoucherAction):
    @extend_schema(request=ReasonInput, responses={200: VoucherOutput, 400: OpenApiResponse()})
    def post(self, request: Any, pk: int) -> Response:
        voucher = self.voucher(pk)
        payload = ReasonInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            voucher = services.voucher_cancel(actor=request.user, voucher=voucher,
                                              reason=payload.validated_data["reason"])
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None
        return Response(VoucherOutput(voucher).data)


class VoucherReissueApi(_VoucherAction):
    @extend_schema(request=ReasonInput, responses={200: IssuedOutput, 400: OpenApiResponse()})
    def post(self, request: Any, pk: int) -> Response:
        voucher = self.voucher(pk)
        payload = ReasonInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            issued = services.voucher_reissue(actor=request.user, voucher=voucher,
                                              reason=payload.validated_data["reason"])
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None
        return Response(_issued([issued])[0])


class PaidInput(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=80, required=False, default="", allow_blank=True)


class StatementPaidApi(APIView):
    """Mark a statement paid (programme managers and administrators)."""

    allowed_roles = queries.STATEMENT_PAYERS

    @extend_schema(request=PaidInput, responses={200: StatementOutput, 400: OpenApiResponse()})
    def post(self, request: Any, pk: int) -> Response:
        statement = queries.statement_for_user(request.user, pk)
        payload = PaidInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            statement = services.statement_mark_paid(
                actor=request.user, statement=statement,
                payment_reference=payload.validated_data["payment_reference"],
            )
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None
        return Response(StatementOutput(statement).data)
