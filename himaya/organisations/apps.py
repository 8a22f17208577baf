from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "himaya.organisations"
    verbose_name = _("Organisations and programmes")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, PARTNER_STAFF

        readers = MISSION_STAFF | OUTSIDE_VIEWERS | PARTNER_STAFF
        register(NavItem("organisations:programme-list", _("Programmes"), readers, "folder", order=20, group="partners"))
        register(
            NavItem("organisations:organisation-list", _("Organisations"), readers, "people", order=30, group="partners")
        )
