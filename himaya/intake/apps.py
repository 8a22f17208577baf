from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "himaya.intake"
    verbose_name = _("Imports and field forms")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.intake import services, tasks
        from himaya.jobs import handlers

        handlers.register(services.CHECK_JOB, tasks.check_job)
        handlers.register(services.APPLY_JOB, tasks.apply_job)
        register(NavItem("intake:import-list", _("Imports"), services.IMPORTERS, icon="upload",
                         description=_("Import people from a spreadsheet or KoboToolbox"), order=45, group="registry"))
