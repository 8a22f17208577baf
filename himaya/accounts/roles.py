"""The roles of PRODUCT.md and the groups that access rules are written with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MISSION_ADMIN = "mission_admin", _("Mission administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    PROTECTION_OFFICER = "protection_officer", _("Protection officer")
    ME_OFFICER = "me_officer", _("M&E officer")
    PARTNER_COORDINATOR = "partner_coordinator", _("Partner coordinator")
    FIELD_AGENT = "field_agent", _("Field agent")
    VENDOR = "vendor", _("Vendor")
    DONOR = "donor", _("Donor viewer")
    GOVERNMENT = "government", _("Government viewer")


MISSION_STAFF = frozenset(
    {Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER, Role.PROTECTION_OFFICER, Role.ME_OFFICER}
)
PARTNER_STAFF = frozenset({Role.PARTNER_COORDINATOR, Role.FIELD_AGENT})
STAFF_AND_PARTNERS = MISSION_STAFF | PARTNER_STAFF
OUTSIDE_VIEWERS = frozenset({Role.DONOR, Role.GOVERNMENT})
EVERY_ROLE = frozenset(Role)
# Roles that must sign in with a second factor (outside demo mode).
SECOND_FACTOR_ROLES = STAFF_AND_PARTNERS | {Role.VENDOR}
# Roles that manage user accounts: everyone for the admin, their own association for a coordinator.
USER_MANAGERS = frozenset({Role.MISSION_ADMIN, Role.PARTNER_COORDINATOR})

# Which organisation kind each role belongs to.
ROLE_ORGANISATION_KINDS = {
    Role.MISSION_ADMIN: "mission",
    Role.PROGRAMME_MANAGER: "mission",
    Role.PROTECTION_OFFICER: "mission",
    Role.ME_OFFICER: "mission",
    Role.PARTNER_COORDINATOR: "partner",
    Role.FIELD_AGENT: "partner",
    Role.VENDOR: "vendor",
    Role.DONOR: "donor",
    Role.GOVERNMENT: "government",
}
