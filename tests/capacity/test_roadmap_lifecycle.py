"""A roadmap moves draft → submitted → validated (or back to draft with a comment), as
lifecycle.py says; every step is kept as a revision, and wrong steps change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from himaya.audit.models import AuditEvent
from himaya.capacity import lifecycle, services
from himaya.capacity.models import ActionStatus, Roadmap, RoadmapRevision, RoadmapStatus
from tests.capacity import builders as b


def _refresh(roadmap: Roadmap) -> Roadmap:
    return Roadmap.objects.get(pk=roadmap.pk)


def test_lifecycle_module_declares_every_roadmap_step():
    steps = {(t.source, t.target) for t in lifecycle.ROADMAP_TRANSITIONS.values()}
    assert steps == {
        (RoadmapStatus.DRAFT, RoadmapStatus.SUBMITTED),
        (RoadmapStatus.SUBMITTED, RoadmapStatus.VALIDATED),
        (RoadmapStatus.SUBMITTED, RoadmapStatus.DRAFT),
        (RoadmapStatus.VALIDATED, RoadmapStatus.DRAFT),
    }


def test_coordinator_submits_and_manager_validates(world):
    roadmap = b.roadmap_of(world.partner_a)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap, transition="validate")
    stored = _refresh(roadmap)
    assert stored.status == RoadmapStatus.VALIDATED
    assert stored.validated_by == world.users["manager"]
    history = list(stored.revisions.values_list("from_status", "to_status"))
    assert history == [("draft", "submitted"), ("submitted", "validated")]
    assert stored.revisions.last().snapshot["objectives"][0]["actions"][0]["title"]
    assert AuditEvent.objects.filter(action="capacity.roadmap.validate").count() == 1


@pytest.mark.parametrize("transition", ["validate", "send_back", "reopen"])
def test_a_draft_cannot_skip_submission(world, transition):
    roadmap = b.roadmap_of(world.partner_a)
    with pytest.raises(ValidationError):
        services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap,
                                    transition=transition, comment="x")
    assert _refresh(roadmap).status == RoadmapStatus.DRAFT
    assert not RoadmapRevision.objects.exists()


def test_coordinator_cannot_validate_own_roadmap(world):
    roadmap = b.roadmap_of(world.partner_a)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    with pytest.raises(PermissionDenied):
        services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap,
                                    transition="validate")
    assert _refresh(roadmap).status == RoadmapStatus.SUBMITTED


def test_another_partner_cannot_submit(world):
    roadmap = b.roadmap_of(world.partner_a)
    with pytest.raises(PermissionDenied):
        services.roadmap_transition(actor=world.users["coord_b"], roadmap=roadmap,
                                    transition="submit")
    assert _refresh(roadmap).status == RoadmapStatus.DRAFT


def test_sending_back_needs_a_comment_and_keeps_it(world):
    roadmap = b.roadmap_of(world.partner_a)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    with pytest.raises(ValidationError):
        services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap,
                                    transition="send_back", comment="  ")
    assert _refresh(roadmap).status == RoadmapStatus.SUBMITTED
    services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap,
                                transition="send_back", comment="Préciser les budgets.")
    stored = _refresh(roadmap)
    assert stored.status == RoadmapStatus.DRAFT
    assert stored.revisions.last().comment == "Préciser les budgets."


def test_an_empty_roadmap_cannot_be_submitted(world):
    roadmap = b.roadmap_of(world.partner_a, with_action=False)
    with pytest.raises(ValidationError):
        services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap,
                                    transition="submit")
    assert _refresh(roadmap).status == RoadmapStatus.DRAFT


def test_reopening_a_validated_roadmap_starts_a_new_revision(world):
    roadmap = b.roadmap_of(world.partner_a)
    for actor, step in [("coord_a", "submit"), ("manager", "validate"), ("coord_a", "reopen")]:
        services.roadmap_transition(actor=world.users[actor], roadmap=roadmap, transition=step)
    stored = _refresh(roadmap)
    assert (stored.status, stored.revision) == (RoadmapStatus.DRAFT, 2)
    assert stored.revisions.filter(to_status="validated", revision=1).exists()


def test_plan_is_frozen_outside_draft(world):
    roadmap = b.roadmap_of(world.partner_a)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    objective = roadmap.objectives.first()
    with pytest.raises(ValidationError):
        services.objective_add(actor=world.users["coord_a"], roadmap=roadmap, title="Nouveau",
                               snia_programme=objective.snia_programme)
    action = b.action_of(world.partner_a)
    with pytest.raises(ValidationError):
        services.action_update(actor=world.users["coord_a"], action=action,
                               status=ActionStatus.IN_PROGRESS, progress=10)
    assert roadmap.objectives.count() == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_done_actions_stay_done(world):
    action = b.action_of(world.partner_a)
    services.action_update(actor=world.users["coord_a"], action=action, status=ActionStatus.DONE,
                           progress=40)
    action.refresh_from_db()
    assert (action.status, action.progress) == (ActionStatus.DONE, 100)
    assert action.completed_on is not None
    with pytest.raises(ValidationError):
        services.action_update(actor=world.users["coord_a"], action=action,
                               status=ActionStatus.IN_PROGRESS, progress=50)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_transition_page_refuses_a_wrong_step_with_a_message(world):
    roadmap = b.roadmap_of(world.partner_a)
    client = world.client_for("manager")
    response = client.post(f"/capacity/roadmaps/{roadmap.pk}/transition/",
                           {"transition": "validate"}, follow=True)
    assert response.status_code == 200
    assert _refresh(roadmap).status == RoadmapStatus.DRAFT
    assert list(response.context["messages"])


def test_field_agent_reads_but_cannot_change(world):
    roadmap = b.roadmap_of(world.partner_a)
    client = world.client_for("agent_a")
    page = client.get(f"/capacity/roadmaps/{roadmap.pk}/")
    assert page.status_code == 200
    assert b"transition-submit" not in page.content
    assert client.post(f"/capacity/roadmaps/{roadmap.pk}/transition/",
                       {"transition": "submit"}).status_code == 403
    assert _refresh(roadmap).status == RoadmapStatus.DRAFT
