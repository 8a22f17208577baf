from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "himaya.capacity"
    verbose_name = _("Partner capacity and roadmaps")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, PARTNER_STAFF

        readers = MISSION_STAFF | OUTSIDE_VIEWERS | PARTNER_STAFF
        register(NavItem("capacity:home", _("Roadmaps"), readers, "signpost", order=40, group="partners"))
        register(NavItem("capacity:assessment-compare", _("Capacity assessments"),
                         MISSION_STAFF | OUTSIDE_VIEWERS, "bar-chart", order=41, group="partners"))
        register(NavItem("capacity:session-list", _("Accompaniment"), readers, "people", order=42, group="partners"))
        register(NavItem("capacity:event-list", _("Events"), readers, "calendar", order=43, group="partners"))
