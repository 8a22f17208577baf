"""Review queue, pair page, merges, runs and the registration check (thin views)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.audit.services import audit_record
from himaya.dedup import calibration, local_names, names, queries, services
from himaya.dedup.forms import (
    DecideForm,
    MergeStrongForm,
    NameEquivalentForm,
    NameImportForm,
    NameTryForm,
    QueueFilterForm,
    RunForm,
    ThresholdsForm,
)
from himaya.dedup.labels import readable
from himaya.dedup.models import CandidatePair, NameEquivalent, PairStatus
from himaya.dedup.registration import registration_check
from himaya.organisations.models import Organisation
from himaya.registry.models import Person
from himaya.registry.queries import (
    PERSON_READERS,
    REGISTRARS,
    mask_number,
    mask_phone,
    organisation_for_registration,
    people_visible_to,
)

REVIEWERS = queries.REVIEWERS
SHOWN_FIELDS = ["given_name", "family_name", "birth_date", "phone", "documents"]


@allow(REVIEWERS)
def review_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else QueueFilterForm.defaults()
    pairs = queries.review_queue(request.user, status=filters["status"], band=filters["band"],
                                 cross=filters["cross"], min_weight=filters["min_weight"])
    page = Paginator(pairs, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dedup/review_queue.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "whole_registry": queries.whole_registry(request.user),
    })


def _side(person: Person) -> dict[str, Any]:
    documents = list(person.documents.all())
    membership = getattr(person, "membership", None) if hasattr(person, "membership") else None
    return {
        "person": person,
        "phone": mask_phone(person.phone),
        "documents": [(d, mask_number(d.number)) for d in documents],
        "deliveries": person.deliveries.count() if hasattr(person, "deliveries") else 0,
        "vouchers": person.vouchers.count() if hasattr(person, "vouchers") else 0,
        "membership": membership,
        "merged_into": queries.active_merge_of(person),
    }


@allow(REVIEWERS)
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = queries.pair_for_user(request.user, pk)
    for person in (pair.person_low, pair.person_high):
        audit_record(actor=request.user, kind="view", action="dedup.pair.view", target=person,
                     organisation_id=person.organisation_id, fields=SHOWN_FIELDS,
                     reason=f"pair {pair.pk}")
    return render(request, "dedup/pair_detail.html", {
        "pair": pair, "left": _side(pair.person_low), "right": _side(pair.person_high),
        "detail": readable(pair.detail), "form": DecideForm(pair=pair),
        "decisions": pair.decisions.select_related("decided_by")[:20],
        "queue_query": request.GET.get("q", ""),
        "around": queries.pairs_around(request.user, pair),
    })


def _queue_of(user: Any, query: str) -> Any:
    """The review queue as the reviewer filtered it (`query`: the queue page's query string)."""
    form = QueueFilterForm(QueryDict(query) or None)
    filters = form.cleaned_data if form.is_valid() else QueueFilterForm.defaults()
    return queries.review_queue(user, status=filters["status"], band=filters["band"],
                                cross=filters["cross"], min_weight=filters["min_weight"])


def _after_decision(user: Any, pair: CandidatePair, query: str) -> HttpResponse:
    """The next pair down the reviewer's queue, so that a queue is worked without going back
    to the list each time; the list itself when nothing is left below."""
    # Only the queue's own filters travel on: the string came back from the browser.
    given = QueryDict(query)
    query = urlencode({k: given[k] for k in QueueFilterForm.base_fields if k in given})
    after = Q(weight__lt=pair.weight) | Q(weight=pair.weight, pk__gt=pair.pk)
    following = _queue_of(user, query).exclude(pk=pair.pk).filter(after).first()
    if following is None:
        return redirect(f"{reverse('dedup:review-queue')}?{query}" if query else
                        reverse("dedup:review-queue"))
    suffix = f"?{urlencode({'q': query})}" if query else ""
    return redirect(f"{reverse('dedup:pair-detail', args=[following.pk])}{suffix}")


@allow(REVIEWERS)
@require_POST
def pair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    pair = queries.pair_for_user(request.user, pk)
    form = DecideForm(request.POST, pair=pair)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("dedup:pair-detail", pk=pair.pk)
    decision = form.cleaned_data["decision"]
    try:
        services.pair_decide(pair=pair, decision=decision, actor=request.user,
                             keep=form.survivor())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dedup:pair-detail", pk=pair.pk)
    notes = {
        PairStatus.SAME: _("Merged: everything now belongs to the record kept."),
        PairStatus.DIFFERENT: _("Recorded as different people: this pair will not be proposed again."),
        PairStatus.UNSURE: _("Recorded as unsure: the pair stays in the queue."),
    }
    messages.success(request, notes[decision])
    return _after_decision(request.user, pair, request.POST.get("q", ""))


@allow(REVIEWERS)
def merge_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.merges_visible_to(request.user), queries.PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "dedup/merge_list.html", {
        "page": page, "whole_registry": queries.whole_registry(request.user)})


@allow(REVIEWERS)
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = queries.merge_for_user(request.user, pk)
    try:
        services.person_unmerge(merge=merge, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Un-merged: both records are back as they were."))
    return redirect("dedup:merge-list")


@allow(REVIEWERS)
def run_list(request: HttpRequest) -> HttpResponse:
    whole = queries.whole_registry(request.user)
    form = RunForm(request.POST or None, whole_registry=whole)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data.get("organisation")
        if not whole:
            organisation = Organisation.objects.get(pk=queries.caseload_of(request.user))
        run = services.dedup_run_start(actor=request.user, organisation=organisation,
                                       programme=form.cleaned_data.get("programme"))
        return redirect("dedup:run-detail", pk=run.pk)
    runs = queries.runs_visible_to(request.user)[:50]
    return render(request, "dedup/run_list.html", {
        "form": form, "runs": runs, "whole_registry": whole})


@allow(REVIEWERS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = queries.run_for_user(request.user, pk)
    strong = queries.strong_pairs(run, request.user).count() if run.status == run.Status.DONE else 0
    return render(request, "dedup/run_detail.html", {"run": run, "job": run.job, "strong": strong})


# The weakest strong pairs are shown before the confirmation: where a mistake would be.
WEAKEST_SHOWN = 10


@allow(REVIEWERS)
def run_merge_strong(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge a run's strong pairs together, after a look at the weakest (decision 0309)."""
    run = queries.run_for_user(request.user, pk)
    form = MergeStrongForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.strong_pairs_merge_start(run=run, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("dedup:run-detail", pk=run.pk)
        return redirect("jobs:job-detail", pk=job.pk)
    groups = queries.strong_groups(run, request.user)
    pairs = [pair for group in groups for pair in group]
    return render(request, "dedup/run_merge_strong.html", {
        "run": run, "form": form, "groups": len(groups), "pairs": len(pairs),
        "people": len({i for p in pairs for i in (p.person_low_id, p.person_high_id)}) - len(groups),
        "weakest": sorted(pairs, key=lambda p: (p.weight, p.pk))[:WEAKEST_SHOWN],
    })


@allow(queries.WHOLE_REGISTRY)
def thresholds(request: HttpRequest) -> HttpResponse:
    """Each programme's thresholds, and how the weights hold up against reviewers' decisions."""
    from himaya.dedup.model import Thresholds

    form = ThresholdsForm(request.POST or None, initial={
        "auto_merge": Thresholds().auto_merge, "review": Thresholds().review})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["reset"]:
                services.thresholds_reset(programme=data["programme"], actor=request.user)
            else:
                services.thresholds_set(programme=data["programme"], auto_merge=data["auto_merge"],
                                        review=data["review"], actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: the programme's next runs use these weights."))
            return redirect("dedup:thresholds")
    decisions = queries.reviewers_decisions()
    return render(request, "dedup/thresholds.html", {
        "form": form, "programmes": queries.programme_thresholds(), "whole_registry": True,
        "bands": calibration.bands(decisions, queries.waiting_weights()),
        "suggestion": calibration.suggest_auto_merge(decisions),
        "target": calibration.TARGET_PRECISION, "minimum": calibration.MIN_DECISIONS,
        "decided": len(decisions),
    })


@allow(queries.WHOLE_REGISTRY)
def alert_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.alerts_visible_to(request.user), queries.PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "dedup/alert_list.html", {"page": page})


@allow(REGISTRARS)
@require_POST
def registration_check_view(request: HttpRequest) -> HttpResponse:
    """The panel under the registration form: likely duplicates of what is typed so far."""
    organisation = organisation_for_registration(request.user)
    if organisation is None:
        raise PermissionDenied
    result = registration_check(request.user, request.POST, form=True)
    services.registration_check_record(
        actor=request.user, organisation=organisation, result=result,
        given_name=request.POST.get("given_name", ""), family_name=request.POST.get("family_name", ""),
    )
    return render(request, "dedup/_registration_check.html", {
        "result": result,
        "matches": [(m.person, m.score.weight, readable(m.score.detail()), m.through)
                    for m in result.matches],
    })


@allow(PERSON_READERS)
def person_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """On a person's page: merged into whom, or who was merged into them (htmx)."""
    from himaya.accounts.scopes import fetch_or_404

    person = fetch_or_404(people_visible_to(request.user), pk=pk)
    merge = queries.active_merge_of(person)
    visible = people_visible_to(request.user)
    survivor_visible = bool(merge and visible.filter(pk=merge.survivor_id).exists())
    absorbed = [m.absorbed for m in queries.merges_into(person)
                if visible.filter(pk=m.absorbed_id).exists()]
    return render(request, "dedup/_person_panel.html", {
        "merge": merge, "survivor_visible": survivor_visible, "absorbed": absorbed,
    })


@allow(queries.WHOLE_REGISTRY)
def name_list(request: HttpRequest) -> HttpResponse:
    """The programme's own name equivalences, added to the shipped table (decision 0313)."""
    if request.method == "POST" and "file" in request.FILES:
        return _name_import(request)
    if request.method == "POST" and "try" in request.POST:
        return _name_try(request)
    form = NameEquivalentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.name_equivalent_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Added: the next checks and runs use it."))
            return redirect("dedup:name-list")
    return _names_page(request, form=form)


def _name_try(request: HttpRequest) -> HttpResponse:
    """How a typed name is read. Posted, not in the address: the name may be a person's
    (decision 0904)."""
    trial = NameTryForm(request.POST)
    tried = None
    if trial.is_valid():
        local_names.sync()
        text = trial.cleaned_data["name"]
        normal = names.normalise(text)
        tried = {"text": text, "parts": normal.parts, "skeletons": normal.skeletons,
                 "related": normal.related, "known": normal.known}
    return _names_page(request, trial=trial, tried=tried)


def _names_page(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("form", NameEquivalentForm())
    context.setdefault("trial", NameTryForm())
    context.setdefault("upload", NameImportForm())
    return render(request, "dedup/name_list.html", {
        **context, "whole_registry": True,
        "rows": NameEquivalent.objects.select_related("added_by"),
        "shipped": len(set(names.load_equivalents().group_of.values())),
    })


MAX_NAMES_FILE = 1_000_000  # bytes: a table of names, not a registry


def _name_import(request: HttpRequest) -> HttpResponse:
    upload = NameImportForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _names_page(request, upload=upload)
    handle = upload.cleaned_data["file"]
    if handle.size > MAX_NAMES_FILE:
        upload.add_error("file", _("The file is too large for a table of names."))
        return _names_page(request, upload=upload)
    try:
        text = handle.read().decode("utf-8")
    except UnicodeDecodeError:
        upload.add_error("file", _("The file is not UTF-8 text: save it as CSV UTF-8."))
        return _names_page(request, upload=upload)
    result = services.name_equivalents_import(actor=request.user, text=text)
    if result["errors"]:
        return _names_page(request, upload=upload, import_errors=result["errors"])
    messages.success(request, _("Imported: %(added)s line(s) added, %(known)s already known.")
                     % {"added": result["added"], "known": result["known"]})
    return redirect("dedup:name-list")


@allow(queries.WHOLE_REGISTRY)
@require_POST
def name_remove(request: HttpRequest, pk: int) -> HttpResponse:
    from himaya.accounts.scopes import fetch_or_404

    row = fetch_or_404(NameEquivalent.objects.all(), pk=pk)
    services.name_equivalent_remove(row=row, actor=request.user)
    messages.success(request, _("Removed: the next checks and runs no longer use it."))
    return redirect("dedup:name-list")


@allow(queries.WHOLE_REGISTRY)
def name_export(request: HttpRequest) -> HttpResponse:
    """The mission's lines as CSV, in the table's format: for `himaya dedup-csv --equivalents`,
    another installation's page, or a review of what was added."""
    import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="name_equivalents_mission.csv"'
    writer = csv.writer(response)
    writer.writerow(["group", "variants", "related"])
    for row in NameEquivalent.objects.order_by("pk"):
        writer.writerow([row.group, row.variants, row.related])
    audit_record(actor=request.user, kind="export", action="dedup.names.export",
                 object_type="dedup.nameequivalent", reason="name equivalences CSV")
    return response
