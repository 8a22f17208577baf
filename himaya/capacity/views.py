"""Pages of partner capacity: thin, they call queries to read and services to write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, PARTNER_STAFF
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.audit.services import audit_record
from himaya.capacity import forms, queries, services
from himaya.capacity.lifecycle import EDITORS, roadmap_transitions_from
from himaya.capacity.models import Session
from himaya.capacity.roadmap_pdf import PDF_LANGUAGES, render_roadmap_pdf
from himaya.organisations.models import Programme
from himaya.reference.models import Region

READERS = MISSION_STAFF | OUTSIDE_VIEWERS | PARTNER_STAFF
OVERSEERS = MISSION_STAFF | OUTSIDE_VIEWERS
# Evidence files and staff lists may name people: never for donors and government viewers.
INSIDERS = MISSION_STAFF | PARTNER_STAFF


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or _("You cannot do this.")
    return " ".join(error.messages)


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Put a service's errors on the form's fields when the form has them."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Dashboards -----------------------------------------------------------------------------


@allow(READERS)
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_partner:
        # A partner has one association: its page is its dashboard.
        return redirect("capacity:association-detail", pk=scope.organisation_id)
    programmes = Programme.objects.filter(capacity_roadmaps__isnull=False).distinct()
    programme = programmes.filter(pk=request.GET.get("programme") or 0).first()
    board = queries.dashboard(request.user, programme=programme)
    return render(request, "capacity/dashboard.html", {
        "board": board, "programmes": programmes, "programme": programme, "region": None,
    })


@allow(OVERSEERS)
def region_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    region = fetch_or_404(Region.objects.all(), pk=pk)
    board = queries.dashboard(request.user, region=region)
    return render(request, "capacity/dashboard.html", {
        "board": board, "programmes": [], "programme": None, "region": region,
    })


# --- Associations ---------------------------------------------------------------------------


@allow(READERS)
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_user(request.user, pk)
    roadmaps = queries.roadmaps_visible_to(request.user).filter(organisation=organisation)
    counts = queries.progress_by_roadmap(roadmaps)
    assessments = list(
        queries.assessments_visible_to(request.user)
        .filter(organisation=organisation).order_by("assessed_on")
    )
    show_staff = queries.shows_staff(request.user)
    return render(request, "capacity/association_detail.html", {
        "organisation": organisation,
        "profile": queries.profile_of(organisation),
        "staff": queries.staff_visible_to(request.user).filter(organisation=organisation),
        "show_staff": show_staff,
        "roadmaps": [(r, counts.get(r.pk, queries.ProgressCounts())) for r in roadmaps],
        "assessments": assessments,
        "chart": queries.progress_chart(assessments),
        "sessions": queries.sessions_visible_to(request.user).filter(organisation=organisation)[:10],
        "can_edit": queries.can_edit(request.user),
        # A roadmap per programme: offer a new one only where the association has none yet.
        "can_start_roadmap": queries.can_edit(request.user) and Programme.objects.filter(
            agreements__partner=organisation
        ).exclude(capacity_roadmaps__organisation=organisation).exists(),
    })


@allow(EDITORS)
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_editor(request.user, pk)
    profile = queries.profile_of(organisation)
    form = forms.ProfileForm(request.POST or None, instance=profile,
                             initial={} if profile else {"legal_name": organisation.name_fr})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(actor=request.user, organisation=organisation, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("capacity:association-detail", pk=organisation.pk)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": organisation, "title": _("Association profile"),
    })


@allow(EDITORS)
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_editor(request.user, pk)
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_add(actor=request.user, organisation=organisation, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The staff member is added."))
            return redirect("capacity:association-detail", pk=organisation.pk)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": organisation, "title": _("Add a staff member"),
    })


# --- Assessments ----------------------------------------------------------------------------


@allow(OVERSEERS)
def assessment_compare(request: HttpRequest) -> HttpResponse:
    grid, rows = queries.assessment_comparison(request.user)
    return render(request, "capacity/assessment_compare.html", {"domains": grid, "rows": rows})


@allow(EDITORS)
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_editor(request.user, pk)
    form = forms.AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                actor=request.user, organisation=organisation,
                assessed_on=form.cleaned_data["assessed_on"], notes=form.cleaned_data["notes"],
                scores=form.scores(),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The assessment is recorded."))
            return redirect("capacity:assessment-detail", pk=assessment.pk)
    return render(request, "capacity/assessment_form.html", {
        "form": form, "organisation": organisation,
    })


@allow(READERS)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = queries.assessment_for_user(request.user, pk)
    return render(request, "capacity/assessment_detail.html", {"assessment": assessment})


# --- Roadmaps -------------------------------------------------------------------------------


@allow(EDITORS)
def roadmap_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_editor(request.user, pk)
    form = forms.RoadmapForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            roadmap = services.roadmap_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            return redirect("capacity:roadmap-detail", pk=roadmap.pk)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": organisation, "title": _("New roadmap"),
    })


@allow(READERS)
def roadmap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = queries.roadmap_for_user(request.user, pk)
    scope = scope_for(request.user)
    can_edit = queries.can_edit(request.user)
    return render(request, "capacity/roadmap_detail.html", {
        "roadmap": roadmap,
        "objectives": queries.objectives_of(roadmap),
        "counts": queries.progress_by_roadmap(
            queries.roadmaps_visible_to(request.user).filter(pk=roadmap.pk)
        ).get(roadmap.pk, queries.ProgressCounts()),
        "revisions": queries.revisions_of(roadmap),
        "transitions": roadmap_transitions_from(roadmap.status, scope.role),
        "show_staff": queries.shows_staff(request.user),
        "can_edit": can_edit and roadmap.is_editable,
        "can_report": can_edit and roadmap.status != "submitted",
        "pdf_languages": PDF_LANGUAGES,
    })


@allow(READERS)
def roadmap_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = queries.roadmap_for_user(request.user, pk)
    return render(request, "capacity/roadmap_timeline.html", {
        "roadmap": roadmap, "timeline": queries.roadmap_timeline(roadmap),
    })


@allow(READERS)
def roadmap_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = queries.roadmap_for_user(request.user, pk)
    language = request.GET.get("lang", "fr")
    if language not in PDF_LANGUAGES:
        return HttpResponseBadRequest(_("The PDF exists in French and Arabic only."))
    pdf = render_roadmap_pdf(roadmap, language, show_staff=queries.shows_staff(request.user))
    audit_record(actor=request.user, kind="export", action="capacity.roadmap.pdf", target=roadmap,
                 organisation_id=roadmap.organisation_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="roadmap-{roadmap.pk}-{language}.pdf"'
    return response


@allow(EDITORS)
@require_POST
def roadmap_transition(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = queries.roadmap_for_editor(request.user, pk)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return redirect("capacity:roadmap-detail", pk=roadmap.pk)
    try:
        roadmap = services.roadmap_transition(
            actor=request.user, roadmap=roadmap, transition=form.cleaned_data["transition"],
            comment=form.cleaned_data["comment"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The roadmap is now %(status)s.")
                         % {"status": roadmap.get_status_display()})
    return redirect("capacity:roadmap-detail", pk=roadmap.pk)


@allow(EDITORS)
def objective_add(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = queries.roadmap_for_editor(request.user, pk)
    form = forms.ObjectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_add(actor=request.user, roadmap=roadmap, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            return redirect("capacity:roadmap-detail", pk=roadmap.pk)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": roadmap.organisation, "roadmap": roadmap,
        "title": _("Add an objective"),
    })


@allow(EDITORS)
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective = queries.objective_for_editor(request.user, pk)
    roadmap = objective.roadmap
    form = forms.ActionForm(request.POST or None, organisation=roadmap.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_add(actor=request.user, objective=objective, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            return redirect("capacity:roadmap-detail", pk=roadmap.pk)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": roadmap.organisation, "roadmap": roadmap,
        "title": _("Add an action to “%(objective)s”") % {"objective": objective.title},
    })


@allow(EDITORS)
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    action = queries.action_for_editor(request.user, pk)
    roadmap = action.objective.roadmap
    form = forms.ActionProgressForm(
        request.POST or None, initial={"status": action.status, "progress": action.progress}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(actor=request.user, action=action, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The action's progress is saved."))
            return redirect("capacity:roadmap-detail", pk=roadmap.pk)
    return render(request, "capacity/action_update.html", {
        "form": form, "evidence_form": forms.EvidenceForm(), "action": action, "roadmap": roadmap,
        "evidence": action.evidence.all(),
    })


@allow(EDITORS)
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    action = queries.action_for_editor(request.user, pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("capacity:action-update", pk=action.pk)
    upload = form.cleaned_data["file"]
    try:
        services.evidence_add(actor=request.user, action=action, file=upload, name=upload.name,
                              size=upload.size)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The evidence is uploaded."))
    return redirect("capacity:action-update", pk=action.pk)


@allow(INSIDERS)
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = queries.evidence_for_user(request.user, pk)
    audit_record(actor=request.user, kind="view", action="capacity.evidence.download",
                 target=evidence, organisation_id=evidence.action.objective.roadmap.organisation_id)
    response = FileResponse(
        evidence.file.open("rb"), content_type=evidence.content_type, as_attachment=True,
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Accompaniment --------------------------------------------------------------------------


@allow(READERS)
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = queries.sessions_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in Session.Kind.values:
        sessions = sessions.filter(kind=kind)
    return render(request, "capacity/session_list.html", {
        "sessions": sessions[:200], "kind": kind, "kinds": Session.Kind.choices,
        "trained": queries.people_trained_by_sex(
            organisations=queries.associations_visible_to(request.user)
        ),
    })


@allow(EDITORS)
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.association_for_editor(request.user, pk)
    form = forms.SessionForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_record(
                actor=request.user, organisation=organisation, kind=data["kind"],
                held_on=data["held_on"], place=data["place"], topic=data["topic"],
                facilitator=data["facilitator"], materials=data["materials"],
                programme=data["programme"], participants=data["participants"],
                headcounts=form.headcounts(),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            return redirect("capacity:session-detail", pk=session.pk)
    return render(request, "capacity/session_form.html", {
        "form": form, "organisation": organisation,
    })


@allow(READERS)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = queries.session_for_user(request.user, pk)
    show_staff = queries.shows_staff(request.user)
    return render(request, "capacity/session_detail.html", {
        "session": session,
        "show_staff": show_staff,
        "attendance": session.attendance.select_related("staff") if show_staff else [],
        "headcounts": session.headcounts.all(),
        "participation": queries.session_participation(session),
        "follow_ups": session.follow_ups.select_related("action"),
        "follow_up_form": forms.FollowUpForm(),
        "can_edit": queries.can_edit(request.user),
    })


@allow(EDITORS)
@require_POST
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = queries.session_for_editor(request.user, pk)
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the follow-up action."))
        return redirect("capacity:session-detail", pk=session.pk)
    try:
        services.follow_up_add(actor=request.user, session=session, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    return redirect("capacity:session-detail", pk=session.pk)


@allow(EDITORS)
def follow_up_promote(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = queries.follow_up_for_editor(request.user, pk)
    organisation = follow_up.session.organisation
    form = forms.PromoteForm(request.POST or None, organisation=organisation,
                             initial={"end": follow_up.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            action = services.follow_up_promote(actor=request.user, follow_up=follow_up,
                                                **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The follow-up is now a roadmap action."))
            return redirect("capacity:roadmap-detail", pk=action.objective.roadmap_id)
    return render(request, "capacity/form_page.html", {
        "form": form, "organisation": organisation,
        "title": _("Make “%(item)s” a roadmap action") % {"item": follow_up.description},
    })


# --- Events ---------------------------------------------------------------------------------


@allow(READERS)
def event_list(request: HttpRequest) -> HttpResponse:
    return render(request, "capacity/event_list.html", {
        "events": queries.events_visible_to(request.user),
    })


@allow(READERS)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = queries.event_for_user(request.user, pk)
    return render(request, "capacity/event_detail.html", {
        "event": event, "agenda": event.agenda.all(),
    })
