"""What may follow what, for roadmaps and their actions: the one place that says it.

Services ask this module before changing a status; views ask it which buttons to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from himaya.accounts.roles import Role
from himaya.capacity.models import ActionStatus, RoadmapStatus


@dataclass(frozen=True)
class Transition:
    name: str
    label: str | Promise
    source: RoadmapStatus
    target: RoadmapStatus
    roles: frozenset[str]
    # Sending back must say why, so that the association knows what to change.
    needs_comment: bool = False
    # Reopening a validated roadmap starts a new revision; the validated one stays in history.
    new_revision: bool = False


VALIDATORS = frozenset({Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN})
EDITORS = frozenset({Role.PARTNER_COORDINATOR, Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN})

ROADMAP_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", _("Submit for validation"), RoadmapStatus.DRAFT,
                   RoadmapStatus.SUBMITTED, EDITORS),
        Transition("validate", _("Validate"), RoadmapStatus.SUBMITTED, RoadmapStatus.VALIDATED,
                   VALIDATORS),
        Transition("send_back", _("Send back with comments"), RoadmapStatus.SUBMITTED,
                   RoadmapStatus.DRAFT, VALIDATORS, needs_comment=True),
        Transition("reopen", _("Open a new revision"), RoadmapStatus.VALIDATED,
                   RoadmapStatus.DRAFT, EDITORS, new_revision=True),
    ]
}


def roadmap_transitions_from(status: str, role: str | None) -> list[Transition]:
    """The transitions a user of this role may make from this status."""
    return [t for t in ROADMAP_TRANSITIONS.values() if t.source == status and role in t.roles]


# An action's implementation status: late and blocked are states an action can leave again.
ACTION_NEXT: dict[str, frozenset[str]] = {
    ActionStatus.PLANNED: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.LATE, ActionStatus.BLOCKED, ActionStatus.DONE}
    ),
    ActionStatus.IN_PROGRESS: frozenset(
        {ActionStatus.DONE, ActionStatus.LATE, ActionStatus.BLOCKED}
    ),
    ActionStatus.LATE: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.BLOCKED}),
    ActionStatus.BLOCKED: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.LATE}),
    # Done is final: reopening the work means a new action, so results are never uncounted.
    ActionStatus.DONE: frozenset(),
}


def action_may_move(source: str, target: str) -> bool:
    return source == target or target in ACTION_NEXT.get(source, frozenset())
