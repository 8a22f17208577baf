"""Registry pages: thin, calling queries to read and services to write."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.audit.services import audit_record
from himaya.reference.models import Commune, Province
from himaya.registry import queries, services
from himaya.registry.exports import person_export_pdf, person_export_xlsx
from himaya.registry.forms import (
    ConsentRecordForm,
    ConsentWithdrawForm,
    HouseholdForm,
    MemberAddForm,
    PersonForm,
    RevealForm,
)
from himaya.registry.models import Purpose
from himaya.registry.queries import IDENTITY_READERS, PERSON_READERS, REGISTRARS
from himaya.registry.validation import ConsentData

NAME_FIELDS = ["given_name", "family_name"]
# Audit actions as a person reads them in the audit trail of a record.
ACTION_LABELS = {
    "person.register": gettext_lazy("registered"),
    "person.view": gettext_lazy("viewed"),
    "person.view_api": gettext_lazy("viewed (API)"),
    "person.edit_form": gettext_lazy("opened for correction"),
    "person.update": gettext_lazy("corrected"),
    "person.history": gettext_lazy("history viewed"),
    "person.reveal_phone": gettext_lazy("phone shown"),
    "person.reveal_documents": gettext_lazy("document number shown"),
    "person.export": gettext_lazy("data exported"),
    "person.export_pdf": gettext_lazy("data exported (PDF)"),
    "consent.record": gettext_lazy("consent recorded"),
    "consent.withdraw": gettext_lazy("consent withdrawn"),
    "household.register": gettext_lazy("household registered"),
    "household.member_add": gettext_lazy("added to a household"),
}


@allow(PERSON_READERS)
def person_list(request: HttpRequest) -> HttpResponse:
    """Search as you type by name, code or phone.

    The page posts the query (form body, htmx hx-post): a name or phone in a query string
    would be written to every access log on the way (P11). GET ?q= still answers, for old links.
    """
    source = request.POST if request.method == "POST" else request.GET
    query = source.get("q", "").strip()[:100]
    identity = queries.sees_identity(request.user)
    people = queries.people_search(request.user, query) if query else []
    if people and identity:
        # One event per search: who looked, how many people were shown (never the query).
        audit_record(actor=request.user, kind="view", action="person.search",
                     object_type="registry.person", fields=NAME_FIELDS,
                     reason=f"{len(people)} shown")
    context = {"query": query, "people": people, "identity": identity,
               "can_register": queries.organisation_for_registration(request.user) is not None}
    template = "registry/_person_results.html" if request.htmx else "registry/person_list.html"
    return render(request, template, context)


def _registration_owner(request: HttpRequest):  # noqa: ANN202
    organisation = queries.organisation_for_registration(request.user)
    if organisation is None:
        raise PermissionDenied
    return organisation


@allow(REGISTRARS)
def person_register(request: HttpRequest) -> HttpResponse:
    organisation = _registration_owner(request)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration = services.person_register(
            actor=request.user, organisation=organisation, data=form.person_data
        )
        messages.success(request, _("Registered as %(code)s.") % {"code": registration.person.code_display})
        return redirect("registry:person-detail", pk=registration.person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


@allow(REGISTRARS)
@require_POST
def person_validate(request: HttpRequest) -> HttpResponse:
    """Instant validation: each filled-in field's errors, swapped in beside it; nothing saved.

    Only fields the user has filled are judged, so nobody is told off for a field they
    have not reached yet; the inputs themselves are never replaced while being typed in.
    """
    with_consent = request.POST.get("mode") != "edit"
    form = PersonForm(request.POST, with_consent=with_consent)
    form.is_valid()
    shown = []
    for name in form.fields:
        filled = any(value.strip() for value in request.POST.getlist(name))
        shown.append((name, form.errors.get(name, []) if filled else []))
    return render(request, "registry/_person_form_errors.html", {"shown_errors": shown})


@allow(REGISTRARS)
def place_options(request: HttpRequest) -> HttpResponse:
    """The provinces of a region, or the communes of a province, as <option>s (reference data)."""
    level, places = request.GET.get("level"), []
    if level == "province" and request.GET.get("region", "").isdigit():
        places = Province.objects.filter(region_id=request.GET["region"])
    elif level == "commune" and request.GET.get("province", "").isdigit():
        places = Commune.objects.filter(province_id=request.GET["province"])
    return render(request, "registry/_place_options.html", {"places": places})


@allow(PERSON_READERS)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    identity = queries.sees_identity(request.user)
    if identity:
        services.person_viewed(actor=request.user, person=person,
                               fields=[*NAME_FIELDS, "other_names", "birth_date"])
    membership = getattr(person, "membership", None)
    household = membership.household if membership else None
    vulnerabilities = [v for v in person.vulnerabilities.all()
                       if identity or not v.sensitive]
    context = {
        "person": person, "identity": identity, "household": household,
        "household_members": household.members.select_related("person") if household and identity else [],
        "documents": [(d, queries.mask_number(d.number)) for d in person.documents.all()]
        if identity else [],
        "vulnerabilities": vulnerabilities,
        "consents": sorted(person.consents.all(), key=lambda c: Purpose.values.index(c.purpose)),
        "missing_purposes": [Purpose(p) for p in Purpose.values
                             if not any(c.purpose == p and c.permits for c in person.consents.all())],
        "masked_phone": queries.mask_phone(person.phone) if identity else "",
        "audit_trail": [(event, ACTION_LABELS.get(event.action, event.action))
                        for event in queries.person_audit_trail(person)[:50]] if identity else [],
        "can_change": request.user.membership.role in REGISTRARS,
    }
    return render(request, "registry/person_detail.html", context)


@allow(IDENTITY_READERS)
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose what to reveal."), status=400)
    try:
        value = services.person_reveal(actor=request.user, person=person, what=form.cleaned_data["what"])
    except ValidationError as error:
        return render(request, "registry/_revealed.html", {"error": " ".join(error.messages)}, status=400)
    return render(request, "registry/_revealed.html", {"value": value})


@allow(REGISTRARS)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    if request.method == "POST":
        form = PersonForm(request.POST, with_consent=False, person=person)
        if form.is_valid():
            try:
                changed = services.person_update(actor=request.user, person=person,
                                                 data=form.person_data)
            except services.ConsentRequired as error:
                form.add_error(None, error)
            else:
                if changed:
                    messages.success(request, _("Saved; the previous version is kept in the history."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("registry:person-detail", pk=person.pk)
    else:
        services.person_viewed(actor=request.user, person=person,
                               fields=[*NAME_FIELDS, "other_names", "birth_date", "phone", "documents"],
                               action="person.edit_form")
        form = PersonForm(initial=PersonForm.initial_for(person), with_consent=False, person=person)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@allow(IDENTITY_READERS)
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    services.person_viewed(actor=request.user, person=person, fields=["history"],
                           action="person.history")
    versions = [
        {"version": v, "previous": {k: val for k, val in json.loads(v.snapshot).items() if k in v.fields}}
        for v in person.versions.select_related("changed_by")
    ]
    return render(request, "registry/person_history.html", {"person": person, "versions": versions})


@allow(REGISTRARS)
def consent_withdraw(request: HttpRequest, pk: int, purpose: str) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    if purpose not in Purpose.values:
        raise Http404
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(actor=request.user, person=person, purpose=purpose)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Consent withdrawn: what needs it is stopped."))
            return redirect("registry:person-detail", pk=person.pk)
    return render(request, "registry/consent_withdraw.html",
                  {"person": person, "purpose": Purpose(purpose), "form": form})


@allow(REGISTRARS)
def consent_record(request: HttpRequest, pk: int, purpose: str) -> HttpResponse:
    """Record consent (or another basis) for a purpose not yet given, or given again."""
    person = queries.person_for_user(request.user, pk)
    if purpose not in Purpose.values:
        raise Http404
    form = ConsentRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.consent_record(actor=request.user, person=person, consent=ConsentData(
            purpose=purpose, legal_basis=form.cleaned_data["legal_basis"],
            language=form.cleaned_data["language"],
        ))
        messages.success(request, _("Consent recorded."))
        return redirect("registry:person-detail", pk=person.pk)
    return render(request, "registry/consent_record.html",
                  {"person": person, "purpose": Purpose(purpose), "form": form})


@allow(IDENTITY_READERS)
@require_POST
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    content = person_export_xlsx(actor=request.user, person=person)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # The code, never the name, in the file name: downloads folders are not private.
    response["Content-Disposition"] = f'attachment; filename="himaya-{person.code}.xlsx"'
    return response


# What apps above the registry show on the person's page (URL name, title). The PDF asks
# them by URL, as the page's htmx does: each applies its own rules, the registry imports none.
PERSON_PANELS = (
    ("assistance:person-panel", gettext_lazy("Assistance received")),
    ("vouchers:person-panel", gettext_lazy("Vouchers")),
)


def _person_panels(request: HttpRequest, pk: int) -> list[tuple[str, str]]:
    panels = []
    for url_name, title in PERSON_PANELS:
        try:
            match = resolve(reverse(url_name, args=[pk]))
        except NoReverseMatch:
            continue  # that app is not installed
        panel_request = copy.copy(request)
        panel_request.method, panel_request.GET, panel_request.POST = "GET", QueryDict(), QueryDict()
        try:
            response = match.func(panel_request, *match.args, **match.kwargs)
        except (PermissionDenied, Http404):
            continue  # not for this user: left out, as on the page
        if response.status_code == 200:
            panels.append((str(title), response.content.decode()))
    return panels


@allow(IDENTITY_READERS)
@require_POST
def person_export_as_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_user(request.user, pk)
    content = person_export_pdf(actor=request.user, person=person, language=translation.get_language(),
                                panels=_person_panels(request, pk), action_labels=ACTION_LABELS)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="himaya-{person.code}.pdf"'
    return response


@allow(REGISTRARS)
def household_register(request: HttpRequest) -> HttpResponse:
    organisation = _registration_owner(request)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        members: list[services.MemberData] = []
        head = queries.person_by_code(request.user, form.cleaned_data["head_code"])
        if head is None:
            form.add_error("head_code", _("No person with this code in your caseload."))
        else:
            members.append(services.MemberData(head, "head"))
        for number, (code, relationship) in enumerate(form.member_rows(), start=1):
            person = queries.person_by_code(request.user, code)
            if person is None:
                form.add_error(f"member_{number}_code", _("No person with this code in your caseload."))
            elif not relationship:
                form.add_error(f"member_{number}_relationship", _("Choose the relationship."))
            else:
                members.append(services.MemberData(person, relationship))
        if not form.errors:
            try:
                household, _created = services.household_register(
                    actor=request.user, organisation=organisation, members=members)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Household %(code)s registered.") % {"code": household.code_display})
                return redirect("registry:household-detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form})


@allow(PERSON_READERS)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = queries.household_for_user(request.user, pk)
    identity = queries.sees_identity(request.user)
    members = household.members.select_related("person")
    if identity:
        audit_record(actor=request.user, kind="view", action="household.view", target=household,
                     organisation_id=household.organisation_id, fields=NAME_FIELDS)
    can_change = request.user.membership.role in REGISTRARS
    return render(request, "registry/household_detail.html",
                  {"household": household, "members": members, "identity": identity,
                   "member_form": MemberAddForm() if can_change else None})


@allow(REGISTRARS)
@require_POST
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = queries.household_for_user(request.user, pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        person = queries.person_by_code(request.user, form.cleaned_data["code"])
        if person is None:
            form.add_error("code", _("No person with this code in your caseload."))
        else:
            try:
                services.household_member_add(actor=request.user, household=household,
                                              member=services.MemberData(person, form.cleaned_data["relationship"]))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Member added."))
                return redirect("registry:household-detail", pk=household.pk)
    members = household.members.select_related("person")
    return render(request, "registry/household_detail.html",
                  {"household": household, "members": members,
                   "identity": queries.sees_identity(request.user), "member_form": form},
                  status=400)
