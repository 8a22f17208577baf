"""Reads of imports, scoped to the user: an import's report quotes people's data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.intake.models import ImportBatch
from himaya.intake.services import IMPORTERS
from himaya.organisations.models import Organisation


def imports_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Partner staff see their association's imports; mission staff who import see them all."""
    scope = scope_for(user)
    qs = ImportBatch.objects.select_related("organisation", "validation_job", "apply_job", "created_by")
    if scope.role not in IMPORTERS:
        return qs.none()
    if scope.is_partner:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs


def import_for_user(user: Any, pk: Any) -> ImportBatch:
    return fetch_or_404(imports_visible_to(user), pk=pk)


def import_targets_for(user: Any) -> QuerySet[Organisation]:
    """The caseloads mission staff may import into: a partner association, or the mission's own."""
    scope = scope_for(user)
    if not scope.is_mission or scope.role not in IMPORTERS:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        kind__in=[Organisation.Kind.PARTNER, Organisation.Kind.MISSION]).order_by("kind", "code")
