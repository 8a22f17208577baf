"""Assistance pages: thin views over `services` and `queries`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.accounts.roles import PARTNER_STAFF, STAFF_AND_PARTNERS, Role
from himaya.accounts.scopes import scope_for
from himaya.assistance import kobo_import, lifecycle, proofs, queries, services, stock, xlsform
from himaya.assistance.forms import (
    DeliveryForm,
    DistributionForm,
    KoboImportForm,
    ProofForm,
    ReferralForm,
    ReferralMoveForm,
    StockMovementForm,
    TargetFilterForm,
    WarehouseForm,
)
from himaya.assistance.models import (
    AssistanceType,
    Distribution,
    DistributionTarget,
    EntitlementRule,
    Referral,
)
from himaya.organisations.models import Organisation
from himaya.registry import codes
from himaya.registry import queries as registry
from himaya.registry.services import person_viewed
from himaya.vouchers.queries import VOUCHER_READERS

READERS = STAFF_AND_PARTNERS
LIST_LIMIT = 200


def _organisation(user: Any) -> Organisation:
    return Organisation.objects.get(pk=scope_for(user).organisation_id)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _no_store(response: HttpResponse) -> HttpResponse:
    # Pages with people on them must not linger in a shared phone's cache (P11).
    response["Cache-Control"] = "no-store"
    return response


@allow(READERS)
def home(request: HttpRequest) -> HttpResponse:
    types = AssistanceType.objects.filter(active=True).prefetch_related("components__item")
    rules = EntitlementRule.objects.filter(active=True).select_related("programme", "assistance_type")
    return render(request, "assistance/home.html", {"types": types, "rules": rules})


@allow(READERS)
def delivery_list(request: HttpRequest) -> HttpResponse:
    deliveries = queries.deliveries_shown_to(request.user).select_related("organisation", "person", "household")
    return _no_store(render(request, "assistance/delivery_list.html", {
        "deliveries": deliveries[:LIST_LIMIT], "limit": LIST_LIMIT,
        "medical_counts": None if queries.sees_medical_details(request.user)
        else queries.referral_counts(request.user),
    }))


def _recipient(user: Any, raw: str) -> tuple[Any, Any]:
    code = codes.normalise(raw)
    person = registry.people_visible_to(user).filter(code=code).first()
    if person is not None:
        return person, None
    household = registry.households_visible_to(user).filter(code=code).select_related("organisation").first()
    return None, household


@allow(queries.DELIVERY_WRITERS)
def delivery_new(request: HttpRequest) -> HttpResponse:
    form = DeliveryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, household = _recipient(request.user, data["recipient"])
        if person is None and household is None:
            form.add_error("recipient", _("No person or household with this code in your caseload."))
        else:
            outcome = services.deliveries_record(
                actor=request.user, organisation=_organisation(request.user), items=[services.DeliveryData(
                    programme=data["programme"], assistance_type=data["assistance_type"],
                    delivered_on=data["delivered_on"], person=person, household=household,
                    quantity=data["quantity"], commune=data["commune"], site=data["site"],
                    warehouse=data["warehouse"], override_reason=data["override_reason"])])[0]
            if not outcome.ok:
                form.add_error(None, " ".join(outcome.errors))
            elif outcome.voucher is not None:
                return _vouchers_page(request, [outcome.voucher])
            else:
                messages.success(request, _("Delivery recorded."))
                return redirect("assistance:delivery-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/form.html", {"form": form, "title": _("Record a delivery")}, status=status)


def _vouchers_page(request: HttpRequest, issued: list[Any]) -> HttpResponse:
    """The only page that shows the codes of vouchers just issued with a delivery (never stored)."""
    from himaya.vouchers.cards import qr_data_uri

    return _no_store(render(request, "assistance/delivery_recorded.html", {
        "vouchers_issued": [{"voucher": i.voucher, "code": i.code_display, "qr": qr_data_uri(i.code_display)}
                            for i in issued],
    }))


@allow(queries.OVERRIDERS | {Role.PROTECTION_OFFICER, Role.ME_OFFICER})
def override_list(request: HttpRequest) -> HttpResponse:
    return render(request, "assistance/override_list.html",
                  {"deliveries": queries.overrides_visible_to(request.user)[:LIST_LIMIT]})


# --- Distributions -----------------------------------------------------------------------------

@allow(READERS)
def distribution_list(request: HttpRequest) -> HttpResponse:
    distributions = queries.distributions_visible_to(request.user).annotate(
        planned=Count("targets"),
        delivered=Count("targets", filter=Q(targets__status=DistributionTarget.Status.DELIVERED)))
    return render(request, "assistance/distribution_list.html", {
        "distributions": distributions[:LIST_LIMIT],
        "can_create": scope_for(request.user).is_partner
        and scope_for(request.user).role in queries.DISTRIBUTION_MANAGERS})


@allow(Role.PARTNER_COORDINATOR)
def distribution_new(request: HttpRequest) -> HttpResponse:
    form = DistributionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            distribution = services.distribution_create(
                actor=request.user, organisation=_organisation(request.user), programme=data["programme"],
                title=data["title"], planned_on=data["planned_on"], site=data["site"], types=list(data["types"]),
                commune=data["commune"], warehouse=data["warehouse"])
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            return redirect("assistance:distribution-detail", distribution.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/form.html", {"form": form, "title": _("New distribution")}, status=status)


def _may_manage(user: Any, distribution: Distribution) -> bool:
    scope = scope_for(user)
    return scope.role in queries.DISTRIBUTION_MANAGERS and (
        not scope.is_partner or scope.organisation_id == distribution.organisation_id)


@allow(READERS)
def distribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = queries.distribution_for_user(request.user, pk)
    targets = distribution.targets.select_related("person").order_by("status", "pk")
    return _no_store(render(request, "assistance/distribution_detail.html", {
        "distribution": distribution, "summary": queries.distribution_summary(distribution),
        "targets": targets[:LIST_LIMIT], "target_count": targets.count(),
        "moves": sorted(lifecycle.DISTRIBUTION_NEXT[distribution.status]),
        "status_labels": dict(Distribution.Status.choices),
        "may_manage": _may_manage(request.user, distribution),
        "targets_editable": distribution.status in lifecycle.TARGETS_EDITABLE,
        "check_in_open": distribution.status in lifecycle.CHECK_IN_OPEN,
        "filter_form": TargetFilterForm(),
        "may_import": scope_for(request.user).is_partner
        and scope_for(request.user).organisation_id == distribution.organisation_id,
    }))


@allow(queries.DISTRIBUTION_MANAGERS)
@require_POST
def distribution_move(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = queries.distribution_for_user(request.user, pk)
    if not _may_manage(request.user, distribution):
        return HttpResponseBadRequest(_("Only the association's coordinator or a programme manager may do this."))
    to = request.POST.get("to", "")
    if to not in Distribution.Status.values:
        return HttpResponseBadRequest(_("Unknown status."))
    try:
        services.distribution_move(actor=request.user, distribution=distribution, to=to,
                                   reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("assistance:distribution-detail", distribution.pk)


@allow(queries.DISTRIBUTION_MANAGERS)
@require_POST
def distribution_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the target list from registry filters, within the association's own caseload."""
    distribution = queries.distribution_for_user(request.user, pk)
    form = TargetFilterForm(request.POST)
    if not _may_manage(request.user, distribution) or not form.is_valid():
        return HttpResponseBadRequest(_("Check the filters."))
    data = form.cleaned_data
    # Absorbed records are left out: the survivor is on the list in their place.
    people = registry.people_listed_to(request.user).filter(organisation_id=distribution.organisation_id)
    if data["region"]:
        people = people.filter(region=data["region"])
    if data["vulnerability"]:
        people = people.filter(vulnerabilities=data["vulnerability"])
    if data["sex"]:
        people = people.filter(sex=data["sex"])
    year = distribution.planned_on.year
    if data["min_age"] is not None:
        people = people.filter(birth_year__lte=year - data["min_age"])
    if data["max_age"] is not None:
        people = people.filter(birth_year__gte=year - data["max_age"])
    chosen = list(people.distinct().order_by("pk")[: data["limit"]])
    filters = {"region": data["region"].code if data["region"] else "",
               "vulnerability": data["vulnerability"].code if data["vulnerability"] else "",
               "sex": data["sex"], "min_age": data["min_age"], "max_age": data["max_age"], "limit": data["limit"]}
    try:
        count = services.distribution_targets_set(actor=request.user, distribution=distribution, people=chosen,
                                                  filters=filters)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("%(n)s people on the list.") % {"n": count})
    return redirect("assistance:distribution-detail", distribution.pk)


@allow(queries.CHECK_IN_AGENTS)
def distribution_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page: find by code, name or phone; confirm; record; next.

    The search posts its query (form body, htmx hx-post): a name or phone in a query string
    would be written to every access log on the way (P11, decision 0904). GET shows the page
    and answers ?q= only for a code, for old links and bookmarks.
    """
    distribution = queries.distribution_for_user(request.user, pk)
    if request.method == "POST":
        query = request.POST.get("q", "").strip()[:100]
    else:
        query = request.GET.get("q", "").strip()[:100]
        if query and not codes.is_valid(query):
            query = ""
    results: list[Any] = []
    if query and distribution.status in lifecycle.CHECK_IN_OPEN:
        on_list = distribution.targets.values("person_id")
        people = registry.people_matching(request.user, query, within=on_list)[:10]
        status = dict(distribution.targets.filter(person__in=people).values_list("person_id", "status"))
        results = [(person, status.get(person.pk)) for person in people]
        if registry.sees_identity(request.user):
            for person, _status in results:
                person_viewed(actor=request.user, person=person, fields=["given_name", "family_name"],
                              action="person.view_check_in")
    template = "assistance/_check_in_results.html" if request.htmx else "assistance/check_in.html"
    return _no_store(render(request, template, _check_in_context(request, distribution, query, results)))


def _check_in_context(request: HttpRequest, distribution: Distribution, query: str = "",
                      results: list[Any] | None = None, issued: list[Any] | None = None) -> dict[str, Any]:
    from himaya.vouchers.cards import qr_data_uri

    return {
        "distribution": distribution, "query": query, "results": results or [],
        "summary": queries.distribution_summary(distribution),
        "identity": registry.sees_identity(request.user),
        "check_in_open": distribution.status in lifecycle.CHECK_IN_OPEN,
        "statuses": DistributionTarget.Status,
        # Vouchers just issued by this check-in: their codes are shown now or never.
        "vouchers_issued": [{"voucher": i.voucher, "code": i.code_display, "qr": qr_data_uri(i.code_display)}
                            for i in issued or []],
    }


@allow(queries.CHECK_IN_AGENTS)
@require_POST
def distribution_check_in_record(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = queries.distribution_for_user(request.user, pk)
    person_id = request.POST.get("person", "")
    person = registry.people_visible_to(request.user).filter(pk=person_id).first() if person_id.isdigit() else None
    if person is None:
        return HttpResponseBadRequest(_("Choose a person from the list."))
    action = request.POST.get("action", "deliver")
    try:
        if action == "refuse":
            services.distribution_target_mark(actor=request.user, distribution=distribution, person=person,
                                              status=DistributionTarget.Status.REFUSED,
                                              reason=request.POST.get("reason", ""))
            messages.info(request, _("%(code)s: refusal recorded.") % {"code": person.code_display})
        else:
            outcomes = services.distribution_check_in_outcomes(
                actor=request.user, distribution=distribution, person=person,
                override_reason=request.POST.get("override_reason", ""))
            messages.success(request, _("%(code)s: delivered. Next person.") % {"code": person.code_display})
            issued = [o.voucher for o in outcomes if o.voucher is not None]
            if issued:
                # The voucher's code is shown now or never: the check-in page itself, ready for
                # the next person, rather than a redirect (the code never sits in the session).
                return _no_store(render(request, "assistance/check_in.html",
                                        _check_in_context(request, distribution, issued=issued)))
    except ValidationError as error:
        messages.error(request, f"{person.code_display}: {_errors(error)}")
    return redirect("assistance:distribution-check-in", distribution.pk)


@allow(queries.DISTRIBUTION_MANAGERS)
def distribution_xlsform(request: HttpRequest, pk: int) -> HttpResponse:
    """The XLSForm of this distribution's check-in, for KoboCollect/ODK Collect."""
    distribution = queries.distribution_for_user(request.user, pk)
    content = xlsform.check_in_workbook(distribution)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="check-in-{distribution.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@allow(PARTNER_STAFF)
def distribution_kobo_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the Kobo/ODK submissions of this distribution's check-in; a result page per row."""
    distribution = queries.distribution_for_user(request.user, pk)
    form = KoboImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > kobo_import.max_bytes():
                raise kobo_import.ImportFileError(_("The file is too large; the limit is %(limit)s MB.") % {
                    "limit": round(kobo_import.max_bytes() / 1024 / 1024, 1)})
            submissions = kobo_import.read_submissions(upload.name, upload.read())
            result = kobo_import.kobo_import(actor=request.user, distribution=distribution,
                                             submissions=submissions)
        except (kobo_import.ImportFileError, ValidationError) as error:
            form.add_error("file", error.messages if isinstance(error, ValidationError) else str(error))
            status = 400
    elif request.method == "POST":
        status = 400
    issued = result.vouchers if result else []
    from himaya.vouchers.cards import qr_data_uri

    return _no_store(render(request, "assistance/kobo_import.html", {
        "distribution": distribution, "form": form, "result": result,
        "vouchers_issued": [{"voucher": i.voucher, "code": i.code_display, "qr": qr_data_uri(i.code_display)}
                            for i in issued],
        "open": distribution.status in kobo_import.IMPORT_OPEN,
    }, status=status))


# --- Stock -------------------------------------------------------------------------------------

@allow(queries.STOCK_READERS)
def stock_overview(request: HttpRequest) -> HttpResponse:
    warehouses = queries.warehouses_visible_to(request.user)
    rows = queries.stock_reconciliation(warehouses)
    return render(request, "assistance/stock.html", {
        "rows": rows, "warehouses": warehouses, "balanced": all(r["difference"] == 0 for r in rows),
        "can_move": scope_for(request.user).role in queries.STOCK_KEEPERS})


@allow(queries.STOCK_KEEPERS)
def stock_movement_new(request: HttpRequest) -> HttpResponse:
    form = StockMovementForm(request.POST or None, user=request.user,
                             initial={"moved_on": timezone.localdate().isoformat()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "receipt":
                stock.stock_receive(actor=request.user, warehouse=data["warehouse"], item=data["item"],
                                    quantity=data["quantity"], on=data["moved_on"], reason=data["reason"])
            elif data["kind"] == "loss":
                stock.stock_lose(actor=request.user, warehouse=data["warehouse"], item=data["item"],
                                 quantity=data["quantity"], on=data["moved_on"], reason=data["reason"])
            else:
                if data["destination"] is None:
                    raise ValidationError(_("Choose the destination warehouse."))
                stock.stock_transfer(actor=request.user, source=data["warehouse"],
                                     destination=data["destination"], item=data["item"],
                                     quantity=data["quantity"], on=data["moved_on"], reason=data["reason"])
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("Stock movement recorded."))
            return redirect("assistance:stock")
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/form.html", {"form": form, "title": _("Stock movement")}, status=status)


@allow(Role.PARTNER_COORDINATOR)
def warehouse_new(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        stock.warehouse_create(actor=request.user, organisation=_organisation(request.user),
                               name=form.cleaned_data["name"], commune=form.cleaned_data["commune"])
        messages.success(request, _("Warehouse created."))
        return redirect("assistance:stock")
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/form.html", {"form": form, "title": _("New warehouse")}, status=status)


# --- Referrals ---------------------------------------------------------------------------------

@allow(queries.MEDICAL_COUNTERS)
def referral_list(request: HttpRequest) -> HttpResponse:
    details = queries.sees_medical_details(request.user)
    return _no_store(render(request, "assistance/referral_list.html", {
        "details": details,
        "referrals": queries.referrals_visible_to(request.user)[:LIST_LIMIT] if details else [],
        "counts": queries.referral_counts(request.user),
        "status_labels": dict(Referral.Status.choices),
    }))


@allow(queries.MEDICAL_READERS)
def referral_new(request: HttpRequest) -> HttpResponse:
    form = ReferralForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = registry.person_by_code(request.user, data["person_code"])
        if person is None:
            form.add_error("person_code", _("No person with this code in your caseload."))
        else:
            scope = scope_for(request.user)
            # A protection officer refers on behalf of the person's association.
            organisation = _organisation(request.user) if scope.is_partner else person.organisation
            try:
                referral = services.referral_create(
                    actor=request.user, organisation=organisation, programme=data["programme"], person=person,
                    facility=data["facility"], category=data["category"], referred_on=data["referred_on"],
                    cost_covered=data["cost_covered"], clinical_notes=data["clinical_notes"],
                    override_reason=data["override_reason"])
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                return redirect("assistance:referral-detail", referral.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/form.html", {"form": form, "title": _("Refer to a health facility")},
                  status=status)


@allow(queries.MEDICAL_READERS)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = queries.referral_for_user(request.user, pk)
    if referral.clinical_notes:
        from himaya.audit.services import audit_record

        audit_record(actor=request.user, kind="view", action="referral.view_notes", target=referral,
                     organisation_id=referral.organisation_id, fields=["clinical_notes"])
    return _no_store(render(request, "assistance/referral_detail.html", {
        "referral": referral, "move_form": ReferralMoveForm(), "proof_form": ProofForm(),
        "proofs": referral.proofs.all(),
        "shares": referral.shares.select_related("organisation"),
        "share_targets": Organisation.objects.filter(is_active=True).exclude(pk=referral.organisation_id)
        .exclude(kind__in=[Organisation.Kind.DONOR, Organisation.Kind.VENDOR, Organisation.Kind.GOVERNMENT]),
    }))


@allow(queries.MEDICAL_READERS)
@require_POST
def referral_move(request: HttpRequest, pk: int) -> HttpResponse:
    referral = queries.referral_for_user(request.user, pk)
    form = ReferralMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Check the form."))
    try:
        services.referral_move(actor=request.user, referral=referral, to=form.cleaned_data["to"],
                               proof_reference=form.cleaned_data["proof_reference"],
                               cost_covered=form.cleaned_data["cost_covered"])
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("assistance:referral-detail", referral.pk)


@allow(queries.MEDICAL_READERS)
@require_POST
def referral_share(request: HttpRequest, pk: int) -> HttpResponse:
    referral = queries.referral_for_user(request.user, pk)
    organisation = Organisation.objects.filter(pk=request.POST.get("organisation") or 0).exclude(
        kind__in=[Organisation.Kind.DONOR, Organisation.Kind.VENDOR, Organisation.Kind.GOVERNMENT]).first()
    if organisation is None:
        return HttpResponseBadRequest(_("Choose an organisation."))
    try:
        services.referral_share(actor=request.user, referral=referral, organisation=organisation,
                                override_reason=request.POST.get("override_reason", ""))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Referral shared."))
    return redirect("assistance:referral-detail", referral.pk)


@allow(queries.MEDICAL_READERS)
@require_POST
def referral_proof_upload(request: HttpRequest, pk: int) -> HttpResponse:
    referral = queries.referral_for_user(request.user, pk)
    form = ProofForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("assistance:referral-detail", referral.pk)
    upload = form.cleaned_data["file"]
    try:
        proofs.proof_add(actor=request.user, referral=referral, file=upload, name=upload.name, size=upload.size)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The proof of service is uploaded."))
    return redirect("assistance:referral-detail", referral.pk)


@allow(queries.MEDICAL_READERS)
def referral_proof_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, as an attachment, to medical readers of the referral only; every download audited."""
    proof = queries.referral_proof_for_user(request.user, pk)
    proofs.proof_opened(actor=request.user, proof=proof)
    response = FileResponse(proof.file.open("rb"), content_type=proof.content_type, as_attachment=True,
                            filename=proof.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- Panels for the registry's person and household pages --------------------------------------

@allow(READERS)
def person_panel(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The person's assistance history (htmx partial for `#assistance-panel`)."""
    person = registry.person_for_user(request.user, person_pk)
    details = queries.sees_medical_details(request.user)
    return _no_store(render(request, "assistance/_panel.html", {
        "deliveries": queries.history_for_person(request.user, person)[:100],
        "referrals": queries.referrals_visible_to(request.user).filter(person=person) if details else [],
        "medical_count": queries.referrals_counted_for(request.user).filter(person=person).count(),
        "details": details,
    }))


@allow(READERS)
def household_panel(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = registry.household_for_user(request.user, household_pk)
    member_ids = household.members.values("person_id")
    deliveries = queries.deliveries_shown_to(request.user).filter(
        Q(household=household) | Q(person_id__in=member_ids)).order_by("-delivered_on", "-pk")
    details = queries.sees_medical_details(request.user)
    return _no_store(render(request, "assistance/_panel.html", {
        "deliveries": deliveries[:100],
        "referrals": queries.referrals_visible_to(request.user).filter(person_id__in=member_ids) if details else [],
        "medical_count": queries.referrals_counted_for(request.user).filter(person_id__in=member_ids).count(),
        "details": details,
        # The household's vouchers load from the vouchers app, for the roles it shows them to.
        "voucher_household": household if scope_for(request.user).role in VOUCHER_READERS else None,
    }))
