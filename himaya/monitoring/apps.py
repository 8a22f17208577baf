from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "himaya.monitoring"
    verbose_name = _("Monitoring and evaluation")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS

        register(NavItem("monitoring:home", _("Results"), MISSION_STAFF | OUTSIDE_VIEWERS,
                         "graph-up", order=60, group="results"))
        self._watch_records()

    @staticmethod
    def _watch_records() -> None:
        """Every ORM save or delete of what the results count moves the aggregates'
        fingerprint (see himaya/monitoring/aggregates.py); bulk writes are caught by counts."""
        from django.db.models.signals import post_delete, post_save

        from himaya.assistance.models import Delivery
        from himaya.monitoring.aggregates import note_change
        from himaya.registry.models import Household, HouseholdMember, Person

        for model in (Delivery, Person, Household, HouseholdMember):
            post_save.connect(note_change, sender=model, dispatch_uid=f"results-{model.__name__}")
            post_delete.connect(note_change, sender=model,
                                dispatch_uid=f"results-{model.__name__}-delete")
