"""Writes on association capacity: one keyword-only function, one transaction, audited.

Views fetch the object through the scoped queries first (another partner's object is a
404); services check again what the actor's role may do, so that a script or a task
calling them directly cannot do more than the pages.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.capacity import lifecycle
from himaya.capacity.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Assessment,
    AssessmentDomain,
    AssessmentScore,
    AssociationProfile,
    AssociationStaff,
    Attendance,
    Event,
    Evidence,
    FollowUp,
    Headcount,
    Objective,
    Roadmap,
    RoadmapRevision,
    RoadmapStatus,
    Session,
)
from himaya.capacity.uploads import check_upload
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Region, SniaProgramme


def _check_may_edit(actor: Any, organisation: Organisation) -> None:
    """The mission's editors act for any association; a coordinator only for its own.
    `actor=None` is the system (the demo, imports run by an operator)."""
    if actor is None:
        return
    scope = scope_for(actor)
    if scope.role not in lifecycle.EDITORS:
        raise PermissionDenied(_("Your role cannot change this association's plans."))
    if scope.is_partner and scope.organisation_id != organisation.pk:
        raise PermissionDenied(_("You can only change your own association."))


def _check_partner(organisation: Organisation) -> None:
    if organisation.kind != Organisation.Kind.PARTNER:
        raise ValidationError(_("Only a partner association has a capacity file."))


def _audit(actor: Any, kind: str, action: str, target: Any, organisation: Organisation) -> None:
    audit_record(actor=actor, kind=kind, action=action, target=target,
                 organisation_id=organisation.pk)


# --- Profiles and staff ---------------------------------------------------------------------


@transaction.atomic
def profile_save(
    *,
    actor: Any,
    organisation: Organisation,
    legal_name: str,
    legal_form: str = "",
    registration_number: str = "",
    founded_on: dt.date | None = None,
    mission_statement: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    regions_of_work: Iterable[Region] = (),
    areas_of_work: Iterable[SniaProgramme] = (),
) -> AssociationProfile:
    """Create or update the association's profile."""
    _check_partner(organisation)
    _check_may_edit(actor, organisation)
    profile, created = AssociationProfile.objects.select_for_update().get_or_create(
        organisation=organisation, defaults={"legal_name": legal_name}
    )
    profile.legal_name = legal_name
    profile.legal_form = legal_form
    profile.registration_number = registration_number
    profile.founded_on = founded_on
    profile.mission_statement = mission_statement
    profile.contact_email = contact_email
    profile.contact_phone = contact_phone
    profile.full_clean()
    profile.save()
    profile.regions_of_work.set(regions_of_work)
    profile.areas_of_work.set(areas_of_work)
    _audit(actor, "create" if created else "change", "capacity.profile.save", profile, organisation)
    return profile


@transaction.atomic
def staff_add(
    *,
    actor: Any,
    organisation: Organisation,
    full_name: str,
    sex: str,
    position: str = "",
    age_group: str = "25-59",
    email: str = "",
    phone: str = "",
) -> AssociationStaff:
    _check_partner(organisation)
    _check_may_edit(actor, organisation)
    staff = AssociationStaff(
        organisation=organisation, full_name=full_name, sex=sex, position=position,
        age_group=age_group, email=email, phone=phone,
    )
    staff.full_clean()
    staff.save()
    _audit(actor, "create", "capacity.staff.add", staff, organisation)
    return staff


# --- Assessments ----------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    actor: Any,
    organisation: Organisation,
    assessed_on: dt.date,
    scores: Mapping[AssessmentDomain, tuple[int, str]],
    notes: str = "",
) -> Assessment:
    """Record one assessment: a score (and its evidence) for every active domain of the grid."""
    _check_partner(organisation)
    _check_may_edit(actor, organisation)
    missing = set(AssessmentDomain.objects.filter(is_active=True)) - set(scores)
    if missing:
        raise ValidationError(
            _("Score every domain of the grid; missing: %(domains)s.")
            % {"domains": ", ".join(sorted(d.name for d in missing))}
        )
    if Assessment.objects.filter(organisation=organisation, assessed_on=assessed_on).exists():
        raise ValidationError(
            {"assessed_on": _("This association already has an assessment on that date.")}
        )
    assessment = Assessment(
        organisation=organisation, assessed_on=assessed_on, notes=notes,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    assessment.full_clean()
    assessment.save()
    for domain, (score, evidence) in scores.items():
        row = AssessmentScore(assessment=assessment, domain=domain, score=score, evidence=evidence)
        row.full_clean()
        row.save()
    _audit(actor, "create", "capacity.assessment.record", assessment, organisation)
    return assessment


# --- Roadmaps -------------------------------------------------------------------------------


@transaction.atomic
def roadmap_create(
    *,
    actor: Any,
    organisation: Organisation,
    programme: Programme,
    title: str,
    start: dt.date,
    end: dt.date,
) -> Roadmap:
    _check_partner(organisation)
    _check_may_edit(actor, organisation)
    if Roadmap.objects.filter(organisation=organisation, programme=programme).exists():
        raise ValidationError(
            _("This association already has a roadmap under this programme; revise it instead.")
        )
    if not programme.agreements.filter(partner=organisation).exists():
        raise ValidationError(
            {"programme": _("The association has no agreement under this programme.")}
        )
    roadmap = Roadmap(organisation=organisation, programme=programme, title=title, start=start,
                      end=end)
    roadmap.full_clean()
    roadmap.save()
    _audit(actor, "create", "capacity.roadmap.create", roadmap, organisation)
    return roadmap


def _check_draft(roadmap: Roadmap) -> None:
    if not roadmap.is_editable:
        raise ValidationError(
            _("Only a draft roadmap can be changed. Open a new revision, or wait for the review.")
        )


def _locked(roadmap: Roadmap) -> Roadmap:
    # Lock the row so that two people submitting and editing at once see one order of events.
    return Roadmap.objects.select_for_update().select_related("organisation").get(pk=roadmap.pk)


@transaction.atomic
def objective_add(
    *,
    actor: Any,
    roadmap: Roadmap,
    title: str,
    snia_programme: SniaProgramme,
    regional_priority: str = "",
) -> Objective:
    roadmap = _locked(roadmap)
    _check_may_edit(actor, roadmap.organisation)
    _check_draft(roadmap)
    objective = Objective(
        roadmap=roadmap, title=title, snia_programme=snia_programme,
        regional_priority=regional_priority, order=roadmap.objectives.count() + 1,
    )
    objective.full_clean()
    objective.save()
    _audit(actor, "create", "capacity.objective.add", objective, roadmap.organisation)
    return objective


@transaction.atomic
def action_add(
    *,
    actor: Any,
    objective: Objective,
    title: str,
    start: dt.date,
    end: dt.date,
    budget: Decimal = Decimal(0),
    owner: AssociationStaff | None = None,
) -> Action:
    roadmap = _locked(objective.roadmap)
    _check_may_edit(actor, roadmap.organisation)
    _check_draft(roadmap)
    action = Action(objective=objective, title=title, start=start, end=end, budget=budget,
                    owner=owner)
    action.full_clean()
    action.save()
    _audit(actor, "create", "capacity.action.add", action, roadmap.organisation)
    return action


def _snapshot(roadmap: Roadmap) -> dict[str, Any]:
    """The plan as it stood at a step of its lifecycle (ids, not names: no personal data)."""
    return {
        "title": roadmap.title,
        "start": roadmap.start.isoformat(),
        "end": roadmap.end.isoformat(),
        "objectives": [
            {
                "title": objective.title,
                "snia_programme": objective.snia_programme.code,
                "regional_priority": objective.regional_priority,
                "actions": [
                    {
                        "title": action.title, "owner_id": action.owner_id,
                        "start": action.start.isoformat(), "end": action.end.isoformat(),
                        "budget": str(action.budget), "status": action.status,
                        "progress": action.progress,
                    }
                    for action in objective.actions.all()
                ],
            }
            for objective in roadmap.objectives.select_related("snia_programme").prefetch_related(
                "actions"
            )
        ],
    }


@transaction.atomic
def roadmap_transition(
    *, actor: Any, roadmap: Roadmap, transition: str, comment: str = ""
) -> Roadmap:
    """Move a roadmap along its lifecycle (lifecycle.ROADMAP_TRANSITIONS), keeping the step,
    its comment and a snapshot of the plan as a revision."""
    step = lifecycle.ROADMAP_TRANSITIONS.get(transition)
    if step is None:
        raise ValidationError(_("Unknown step: %(name)s.") % {"name": transition})
    roadmap = _locked(roadmap)
    if actor is not None:
        scope = scope_for(actor)
        if scope.role not in step.roles:
            raise PermissionDenied(_("Your role cannot do this step."))
        if scope.is_partner:
            _check_may_edit(actor, roadmap.organisation)
    if roadmap.status != step.source:
        raise ValidationError(
            _("A %(status)s roadmap cannot go through “%(step)s”.")
            % {"status": roadmap.get_status_display(), "step": step.label}
        )
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise ValidationError({"comment": _("Say what must change before sending it back.")})
    if step.target == RoadmapStatus.SUBMITTED and not Action.objects.filter(
        objective__roadmap=roadmap
    ).exists():
        raise ValidationError(_("A roadmap needs at least one objective with an action."))
    now = timezone.now()
    previous = roadmap.status
    roadmap.status = step.target
    if step.new_revision:
        roadmap.revision += 1
    if step.target == RoadmapStatus.SUBMITTED:
        roadmap.submitted_at = now
    if step.target == RoadmapStatus.VALIDATED:
        roadmap.validated_at = now
        roadmap.validated_by = actor if getattr(actor, "is_authenticated", False) else None
    roadmap.save()
    RoadmapRevision.objects.create(
        roadmap=roadmap, revision=roadmap.revision, from_status=previous, to_status=step.target,
        comment=comment, snapshot=_snapshot(roadmap),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(actor, "change", f"capacity.roadmap.{step.name}", roadmap, roadmap.organisation)
    return roadmap


@transaction.atomic
def action_update(
    *,
    actor: Any,
    action: Action,
    status: str,
    progress: int,
    today: dt.date | None = None,
) -> Action:
    """Report an action's progress. A roadmap under review is frozen until it comes back."""
    action = Action.objects.select_for_update().select_related("objective__roadmap__organisation").get(
        pk=action.pk
    )
    roadmap = action.objective.roadmap
    _check_may_edit(actor, roadmap.organisation)
    if roadmap.status == RoadmapStatus.SUBMITTED:
        raise ValidationError(_("The roadmap is under review: its actions cannot change now."))
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not lifecycle.action_may_move(action.status, status):
        raise ValidationError(
            {"status": _("An action cannot go from “%(from)s” to “%(to)s”.")
             % {"from": action.get_status_display(), "to": ActionStatus(status).label}}
        )
    if status == ActionStatus.DONE:
        progress = 100
        action.completed_on = action.completed_on or today or timezone.localdate()
    action.status = status
    action.progress = progress
    action.full_clean()
    action.save()
    _audit(actor, "change", "capacity.action.update", action, roadmap.organisation)
    return action


@transaction.atomic
def evidence_add(*, actor: Any, action: Action, file: IO[bytes], name: str, size: int) -> Evidence:
    """Store a checked file under a random name in the private media root."""
    roadmap = action.objective.roadmap
    _check_may_edit(actor, roadmap.organisation)
    checked = check_upload(file, name, size)
    evidence = Evidence(
        action=action, stored_token=secrets.token_hex(16), original_name=checked.safe_name,
        content_type=checked.content_type, size=checked.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Written last, just before the row, so that a refused upload leaves no file behind.
    evidence.file.save(checked.safe_name, File(file), save=False)
    evidence.save()
    _audit(actor, "create", "capacity.evidence.add", evidence, roadmap.organisation)
    return evidence


# --- Accompaniment --------------------------------------------------------------------------


@transaction.atomic
def session_record(
    *,
    actor: Any,
    organisation: Organisation,
    kind: str,
    held_on: dt.date,
    place: str,
    topic: str,
    facilitator: str,
    materials: str = "",
    programme: Programme | None = None,
    participants: Iterable[AssociationStaff] = (),
    absent: Iterable[AssociationStaff] = (),
    headcounts: Mapping[tuple[str, str], int] | None = None,
) -> Session:
    """A session with its named participants (association staff) and/or its headcounts."""
    _check_partner(organisation)
    _check_may_edit(actor, organisation)
    session = Session(
        organisation=organisation, programme=programme, kind=kind, held_on=held_on, place=place,
        topic=topic, facilitator=facilitator, materials=materials,
    )
    session.full_clean()
    session.save()
    for staff, attended in [(s, True) for s in participants] + [(s, False) for s in absent]:
        if staff.organisation_id != organisation.pk:
            raise ValidationError(_("A participant is not on this association's staff."))
        Attendance.objects.create(session=session, staff=staff, attended=attended)
    for (sex, age_group), count in (headcounts or {}).items():
        if count < 0:
            raise ValidationError(_("A count cannot be negative."))
        if count:
            row = Headcount(session=session, sex=sex, age_group=age_group, count=count)
            row.full_clean()
            row.save()
    _audit(actor, "create", "capacity.session.record", session, organisation)
    return session


@transaction.atomic
def follow_up_add(
    *, actor: Any, session: Session, description: str, due_on: dt.date | None = None
) -> FollowUp:
    _check_may_edit(actor, session.organisation)
    follow_up = FollowUp(session=session, description=description, due_on=due_on)
    follow_up.full_clean()
    follow_up.save()
    _audit(actor, "create", "capacity.follow_up.add", follow_up, session.organisation)
    return follow_up


@transaction.atomic
def follow_up_promote(
    *,
    actor: Any,
    follow_up: FollowUp,
    objective: Objective,
    start: dt.date,
    end: dt.date,
    budget: Decimal = Decimal(0),
) -> Action:
    """Turn a session's follow-up into an action of the same association's roadmap."""
    follow_up = FollowUp.objects.select_for_update().select_related("session__organisation").get(
        pk=follow_up.pk
    )
    if follow_up.action_id is not None:
        raise ValidationError(_("This follow-up is already a roadmap action."))
    if objective.roadmap.organisation_id != follow_up.session.organisation_id:
        raise ValidationError({"objective": _("The objective is not in this association's roadmap.")})
    action = action_add(
        actor=actor, objective=objective, title=follow_up.description[:255], start=start, end=end,
        budget=budget,
    )
    follow_up.action = action
    follow_up.save(update_fields=["action"])
    _audit(actor, "change", "capacity.follow_up.promote", follow_up, follow_up.session.organisation)
    return action


# --- Events ---------------------------------------------------------------------------------


@transaction.atomic
def event_save(
    *,
    actor: Any,
    programme: Programme,
    title_fr: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    title_ar: str = "",
    title_en: str = "",
    participants_women: int = 0,
    participants_men: int = 0,
    agenda: Iterable[tuple[dt.time, str, str]] = (),
) -> Event:
    """Create a programme event with its agenda (time, item, speakers)."""
    if actor is not None and not scope_for(actor).is_mission:
        raise PermissionDenied(_("Only the mission records programme events."))
    event = Event(
        programme=programme, title_fr=title_fr, title_ar=title_ar, title_en=title_en,
        starts_at=starts_at, ends_at=ends_at, place=place,
        participants_women=participants_women, participants_men=participants_men,
    )
    event.full_clean()
    event.save()
    for starts, title, speakers in agenda:
        item = AgendaItem(event=event, starts_at=starts, title=title, speakers=speakers)
        item.full_clean()
        item.save()
    audit_record(actor=actor, kind="create", action="capacity.event.save", target=event)
    return event
