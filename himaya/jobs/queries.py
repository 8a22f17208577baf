from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from himaya.accounts.roles import Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.jobs.models import Job


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """A job belongs to whoever started it; the mission administrator sees them all."""
    scope = scope_for(user)
    if scope.role is None:
        return Job.objects.none()
    if scope.role == Role.MISSION_ADMIN:
        return Job.objects.all()
    return Job.objects.filter(owner_id=user.pk)


def job_for_user(user: Any, pk: Any) -> Job:
    return fetch_or_404(jobs_visible_to(user), pk=pk)
