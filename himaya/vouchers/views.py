"""Pages: partners issue, cancel and reissue; vendors redeem on a phone; the programme reconciles.

Views stay thin: forms validate, services write, queries read.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.accounts.roles import MISSION_STAFF, Role
from himaya.vouchers import cards, codes, queries, services, statement_files
from himaya.vouchers.forms import (
    CodeForm,
    IssueForm,
    PaidForm,
    PeriodForm,
    ReasonForm,
    RedeemForm,
    StatementForm,
)
from himaya.vouchers.lifecycle import Status

VENDORS = frozenset({Role.VENDOR})
LIST_LIMIT = 200


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Partners ------------------------------------------------------------------------------


@allow(queries.VOUCHER_READERS)
def voucher_list(request: HttpRequest) -> HttpResponse:
    vouchers = queries.vouchers_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        vouchers = vouchers.filter(status=status)
    return render(request, "vouchers/voucher_list.html", {
        "vouchers": vouchers[:LIST_LIMIT], "status": status, "statuses": Status.choices,
        "can_issue": request.user.membership.role in queries.ISSUERS,
    })


def _issued_page(request: HttpRequest, issued: list[services.IssuedVoucher]) -> HttpResponse:
    # The only page that ever shows these codes: the database cannot give them back.
    return render(request, "vouchers/issued.html", {
        "issued": [
            {"voucher": i.voucher, "code": i.code_display, "qr": cards.qr_data_uri(i.code_display)}
            for i in issued[:50]
        ],
        "count": len(issued),
        "codes": [i.code for i in issued],
    })


@allow(queries.ISSUERS)
def voucher_issue(request: HttpRequest) -> HttpResponse:
    form = IssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.voucher_issue(
                actor=request.user, beneficiaries=data["beneficiaries"], category=data["category"],
                value=data["value"], valid_from=data["valid_from"], valid_until=data["valid_until"],
                vendors=data["vendors"], label=data["label"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return _issued_page(request, issued)
    return render(request, "vouchers/issue.html", {"form": form})


@allow(queries.ISSUERS)
@require_POST
def voucher_cards(request: HttpRequest) -> HttpResponse:
    """The cards of codes just issued (posted back from the issued page), as one PDF."""
    raw_codes = request.POST.getlist("code")[: services.MAX_BATCH]
    wanted = {codes.lookup_digest(c): c for c in raw_codes if codes.is_authentic(c)}
    vouchers = list(
        queries.vouchers_visible_to(request.user)
        .filter(code_digest__in=list(wanted), status__in=[Status.ISSUED, Status.PARTLY_REDEEMED])
        .select_related("partner", "person")
        .order_by("pk")
    )
    if not vouchers:
        messages.error(request, _("There are no valid voucher codes to print."))
        return redirect("vouchers:voucher-list")
    first_names = (
        {v.pk: v.person.given_name for v in vouchers if v.person_id}
        if services.show_first_name() else {}
    )
    pdf = cards.render_cards_pdf([(v, wanted[v.code_digest]) for v in vouchers], first_names=first_names)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vouchers-{timezone.localdate():%Y%m%d}.pdf"'
    return response


@allow(queries.VOUCHER_READERS)
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = queries.voucher_for_user(request.user, pk)
    return render(request, "vouchers/voucher_detail.html", {
        "voucher": voucher,
        "events": voucher.events.select_related("vendor", "actor", "related_voucher"),
        "redemptions": voucher.redemptions.select_related("vendor"),
        "vendors": voucher.vendors.all(),
        "can_change": request.user.membership.role in queries.ISSUERS and voucher.is_spendable,
        "reason_form": ReasonForm(),
    })


@allow(queries.VOUCHER_READERS)
def person_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's vouchers, as a partial for the registry's person page (htmx `hx-get`)."""
    from himaya.registry.queries import person_for_user

    person = person_for_user(request.user, pk)
    vouchers = queries.vouchers_visible_to(request.user).filter(person=person).order_by("-issued_at")
    return render(request, "vouchers/person_panel.html", {"person": person, "vouchers": vouchers[:50]})


@allow(queries.VOUCHER_READERS)
def household_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's vouchers and its members', as a partial for the registry's household page."""
    from himaya.registry.queries import household_for_user

    household = household_for_user(request.user, pk)
    vouchers = queries.household_vouchers(request.user, household)
    response = render(request, "vouchers/household_panel.html", {"household": household,
                                                                 "vouchers": vouchers[:100]})
    response["Cache-Control"] = "no-store"
    return response


@allow(queries.ISSUERS)
@require_POST
def voucher_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = queries.voucher_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.voucher_cancel(actor=request.user, voucher=voucher, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The voucher was cancelled; its code is refused from now on."))
    return redirect("vouchers:voucher-detail", pk=voucher.pk)


@allow(queries.ISSUERS)
@require_POST
def voucher_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = queries.voucher_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        issued = services.voucher_reissue(actor=request.user, voucher=voucher, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("vouchers:voucher-detail", pk=voucher.pk)
    messages.success(request, _("The old voucher was cancelled and a new one issued for what was left on it."))
    return _issued_page(request, [issued])


# --- Vendors -------------------------------------------------------------------------------


def _vendor_or_403(request: HttpRequest) -> Any:
    vendor = queries.vendor_of(request.user)
    if vendor is None:
        raise PermissionDenied
    return vendor


@allow(VENDORS)
def redeem(request: HttpRequest) -> HttpResponse:
    """Type or scan a code → value left and validity → redeem all or part → receipt."""
    vendor = _vendor_or_403(request)
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "redeem":
        form = RedeemForm(request.POST)
        code = request.POST.get("code", "")
        if form.is_valid():
            try:
                result = services.voucher_redeem(
                    code=form.cleaned_data["code"], vendor=vendor, amount=form.cleaned_data["amount"],
                    actor=request.user, idempotency_key=form.cleaned_data["key"],
                )
            except services.VoucherRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                return redirect("vouchers:receipt", pk=result.redemption.pk)
        return _redeem_amount_page(request, vendor, code, form)
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            return _redeem_amount_page(request, vendor, form.cleaned_data["code"], None, lookup=form)
    else:
        form = CodeForm()
    return render(request, "vouchers/redeem.html", {"form": form, "vendor": vendor})


def _redeem_amount_page(
    request: HttpRequest, vendor: Any, code: str, form: RedeemForm | None, lookup: CodeForm | None = None
) -> HttpResponse:
    try:
        check = services.voucher_check(code=code, vendor=vendor)
    except services.VoucherRefused as refusal:
        lookup = lookup or CodeForm(initial={"code": code})
        lookup.add_error("code" if "code" in lookup.fields else None, refusal.message)
        return render(request, "vouchers/redeem.html", {"form": lookup, "vendor": vendor}, status=200)
    if form is None:
        # A fresh key per look-up: a double tap or a resent form is the same redemption.
        form = RedeemForm(initial={
            "code": codes.normalise(code), "key": f"web-{uuid.uuid4()}", "amount": check.voucher.balance,
        })
    return render(request, "vouchers/redeem_amount.html", {
        "form": form, "check": check, "voucher": check.voucher, "vendor": vendor,
    })


@allow(VENDORS)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = queries.receipt_for_vendor(request.user, pk)
    return render(request, "vouchers/receipt.html", {"redemption": redemption, "voucher": redemption.voucher})


@allow(VENDORS)
def vendor_redemptions(request: HttpRequest) -> HttpResponse:
    redemptions = queries.redemptions_visible_to(request.user).order_by("-at")[:LIST_LIMIT]
    return render(request, "vouchers/vendor_redemptions.html", {"redemptions": redemptions})


# --- Statements ----------------------------------------------------------------------------


@allow(queries.STATEMENT_READERS)
def statement_list(request: HttpRequest) -> HttpResponse:
    vendors = queries.vendors_for_statements(request.user)
    form = StatementForm(request.POST or None, vendors=vendors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            statement = services.statement_create(
                actor=request.user, vendor=data["vendor"], period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Statement created."))
            return redirect("vouchers:statement-detail", pk=statement.pk)
    return render(request, "vouchers/statement_list.html", {
        "statements": queries.statements_visible_to(request.user)[:LIST_LIMIT], "form": form,
    })


@allow(queries.STATEMENT_READERS)
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.statement_for_user(request.user, pk)
    return render(request, "vouchers/statement_detail.html", {
        "statement": statement, "lines": queries.statement_lines(statement),
        "can_pay": request.user.membership.role in queries.STATEMENT_PAYERS,
        "paid_form": PaidForm(),
    })


@allow(queries.STATEMENT_READERS)
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.statement_for_user(request.user, pk)
    language = "ar" if get_language() == "ar" else "fr"
    response = HttpResponse(statement_files.render_statement_pdf(statement, language),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_files.statement_filename(statement, "pdf")}"'
    return response


@allow(queries.STATEMENT_READERS)
def statement_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.statement_for_user(request.user, pk)
    response = HttpResponse(
        statement_files.render_statement_xlsx(statement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{statement_files.statement_filename(statement, "xlsx")}"'
    return response


@allow(queries.STATEMENT_PAYERS)
@require_POST
def statement_paid(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.statement_for_user(request.user, pk)
    form = PaidForm(request.POST)
    reference = form.cleaned_data["payment_reference"] if form.is_valid() else ""
    try:
        services.statement_mark_paid(actor=request.user, statement=statement, payment_reference=reference)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Statement marked paid."))
    return redirect("vouchers:statement-detail", pk=statement.pk)


# --- The programme -------------------------------------------------------------------------


@allow(MISSION_STAFF)
def programme(request: HttpRequest) -> HttpResponse:
    period = PeriodForm(request.GET or None)
    start = end = None
    if period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    redemptions = queries.redemptions_visible_to(request.user)
    overview = queries.programme_overview(
        queries.vouchers_visible_to(request.user), redemptions, start, end
    )
    if start:
        redemptions = redemptions.filter(at__date__gte=start)
    if end:
        redemptions = redemptions.filter(at__date__lte=end)
    return render(request, "vouchers/programme.html", {
        "overview": overview, "flags": queries.anomaly_flags(redemptions), "period": period,
        "statuses": dict(Status.choices),
    })
