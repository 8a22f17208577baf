from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "himaya.reporting"
    verbose_name = _("Reporting and open data")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS
        from himaya.jobs.handlers import register as register_job
        from himaya.reporting.donor_report import JOB_KIND, run_donor_report

        register(NavItem("reporting:home", _("Reports"), MISSION_STAFF | OUTSIDE_VIEWERS,
                         "file-earmark-bar-graph", order=61, group="results"))
        register_job(JOB_KIND, run_donor_report)
