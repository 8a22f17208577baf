from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "himaya.dedup"
    label = "dedup"
    verbose_name = _("Deduplication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.dedup import queries, tasks
        from himaya.jobs import handlers
        from himaya.jobs.services import job_reaped
        from himaya.registry.models import Person

        handlers.register(tasks.RUN_JOB, tasks.run_job)
        handlers.register(tasks.MERGE_STRONG_JOB, tasks.merge_strong_job)
        register(NavItem("dedup:review-queue", _("Duplicates"), queries.REVIEWERS, icon="people",
                         description=_("Review possible duplicates, merge and un-merge"), order=35, group="registry"))
        job_reaped.connect(tasks.job_reaped, dispatch_uid="dedup.job_reaped")
        post_save.connect(tasks.person_saved, sender=Person, dispatch_uid="dedup.person_saved")
