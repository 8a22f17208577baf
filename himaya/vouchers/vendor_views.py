"""Vendor contract pages for the programme manager and the mission administrator.

Thin: forms validate, `vendors` writes (through the accounts services for users and
tokens), queries read. Vendors' own pages (redeem, receipts, statements) are in `views`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.accounts.models import ApiToken, Membership
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.organisations.models import Organisation
from himaya.vouchers import vendors
from himaya.vouchers.models import Redemption, VendorContract
from himaya.vouchers.vendor_forms import VendorForm, VendorTokenForm, VendorUserForm


def _vendor(pk: Any) -> Organisation:
    return fetch_or_404(Organisation.objects.filter(kind=Organisation.Kind.VENDOR).select_related("region"), pk=pk)


def _errors(form: Any, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))


def _data(cleaned: dict[str, Any]) -> vendors.VendorData:
    return vendors.VendorData(
        name_fr=cleaned["name_fr"], name_ar=cleaned["name_ar"], region=cleaned["region"],
        address=cleaned["address"], phone=cleaned["phone"], categories=list(cleaned["categories"]),
        valid_from=cleaned["valid_from"], valid_until=cleaned["valid_until"], regions=cleaned["regions"],
        partner=cleaned["partner"], active=cleaned["active"], signed_on=cleaned["signed_on"],
        notes=cleaned["notes"])


@allow(vendors.CONTRACT_MANAGERS)
def vendor_list(request: HttpRequest) -> HttpResponse:
    rows = (Organisation.objects.filter(kind=Organisation.Kind.VENDOR)
            .select_related("region", "voucher_contract", "voucher_contract__partner")
            .prefetch_related("voucher_contract__regions")
            # Two subqueries, not joins: a join of users and redemptions would multiply the sum.
            .annotate(users=Subquery(Membership.objects.filter(organisation=OuterRef("pk")).values("organisation")
                                     .annotate(n=Count("pk")).values("n")),
                      redeemed=Subquery(Redemption.objects.filter(vendor=OuterRef("pk")).values("vendor")
                                        .annotate(total=Sum("amount")).values("total")))
            .order_by("region__code", "name_fr"))
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(name_fr__icontains=query) | Q(name_ar__icontains=query) | Q(code__icontains=query))
    return render(request, "vouchers/vendor_list.html", {
        "vendors": rows[:500], "query": query, "today": timezone.localdate(),
        "can_manage_accounts": scope_for(request.user).role in vendors.ACCOUNT_MANAGERS})


@allow(vendors.CONTRACT_MANAGERS)
def vendor_new(request: HttpRequest) -> HttpResponse:
    form = VendorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = vendors.vendor_create(actor=request.user, code=form.cleaned_data["code"],
                                             data=_data(form.cleaned_data))
        except (ValidationError, PermissionDenied) as error:
            _errors(form, error)
        else:
            messages.success(request, _("The vendor and its contract are saved."))
            return redirect("vouchers:vendor-detail", contract.vendor_id)
    return render(request, "vouchers/vendor_form.html", {"form": form, "title": _("New vendor")},
                  status=400 if request.method == "POST" else 200)


@allow(vendors.CONTRACT_MANAGERS)
def vendor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    vendor = _vendor(pk)
    contract = VendorContract.objects.filter(vendor=vendor).first()
    initial = VendorForm.initial_for(contract) if contract else {"name_fr": vendor.name_fr,
                                                                  "region": vendor.region_id}
    form = VendorForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            vendors.vendor_update(actor=request.user, vendor=vendor, data=_data(form.cleaned_data))
        except (ValidationError, PermissionDenied) as error:
            _errors(form, error)
        else:
            messages.success(request, _("The vendor and its contract are saved."))
            return redirect("vouchers:vendor-detail", vendor.pk)
    return render(request, "vouchers/vendor_form.html", {"form": form, "vendor": vendor,
                                                         "title": _("Edit the vendor's contract")},
                  status=400 if request.method == "POST" else 200)


def _detail(request: HttpRequest, vendor: Organisation, status: int = 200, **extra: Any) -> HttpResponse:
    contract = VendorContract.objects.filter(vendor=vendor).select_related("partner").first()
    users = vendors.vendor_users(vendor)
    accounts = scope_for(request.user).role in vendors.ACCOUNT_MANAGERS
    context = {
        "vendor": vendor, "contract": contract, "users": users,
        "regions": contract.regions.all() if contract else [],
        "tokens": ApiToken.objects.filter(user__in=users).select_related("user").order_by("-created_at"),
        "in_force": contract.in_force(timezone.localdate()) if contract else False,
        "can_manage_accounts": accounts,
        "user_form": VendorUserForm() if accounts else None,
        "token_form": VendorTokenForm(vendor=vendor) if accounts else None,
        **extra,
    }
    response = render(request, "vouchers/vendor_detail.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@allow(vendors.CONTRACT_MANAGERS)
def vendor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _vendor(pk))


@allow(vendors.ACCOUNT_MANAGERS)
@require_POST
def vendor_user_invite(request: HttpRequest, pk: int) -> HttpResponse:
    vendor = _vendor(pk)
    form = VendorUserForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = vendors.vendor_user_invite(
                actor=request.user, vendor=vendor, username=data["username"], email=data["email"],
                first_name=data["first_name"], last_name=data["last_name"],
                preferred_language=data["preferred_language"], base_url=request.build_absolute_uri("/")[:-1])
        except (ValidationError, PermissionDenied) as error:
            _errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("vouchers:vendor-detail", vendor.pk)
    return _detail(request, vendor, user_form=form, status=400)


@allow(vendors.ACCOUNT_MANAGERS)
@require_POST
def vendor_token_new(request: HttpRequest, pk: int) -> HttpResponse:
    vendor = _vendor(pk)
    form = VendorTokenForm(request.POST, vendor=vendor)
    if form.is_valid():
        try:
            issued = vendors.vendor_token_create(actor=request.user, vendor=vendor, user=form.cleaned_data["user"],
                                                 name=form.cleaned_data["name"])
        except (ValidationError, PermissionDenied) as error:
            _errors(form, error)
        else:
            # Shown on this page only: the database keeps a digest of the token.
            return _detail(request, vendor, new_token=issued.raw, new_token_user=form.cleaned_data["user"])
    return _detail(request, vendor, token_form=form, status=400)


@allow(vendors.ACCOUNT_MANAGERS)
@require_POST
def vendor_token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    vendor = _vendor(pk)
    token = fetch_or_404(ApiToken.objects.filter(user__membership__organisation=vendor).select_related("user"),
                         pk=token_pk)
    try:
        vendors.vendor_token_revoke(actor=request.user, vendor=vendor, token=token)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The token is revoked."))
    return redirect("vouchers:vendor-detail", vendor.pk)
