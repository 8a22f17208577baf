from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "himaya.monitoring"
    verbose_name = _("Monitoring and evaluation")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS

        register(NavItem("monitoring:home", _("Results"), MISSION_STAFF | OUTSIDE_VIEWERS,
                         "graph-up", order=60))
