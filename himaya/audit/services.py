"""Writing to the audit trail, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from himaya.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    kind: str,
    action: str,
    target: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    organisation_id: int | None = None,
    reason: str = "",
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one event. `target` (a model instance) fills type and id; values are never stored."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        kind=kind,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        organisation_id=organisation_id,
        reason=reason[:255],
        fields=sorted(set(fields)),
    )
