"""An import: the uploaded file (encrypted at rest), what its validation found, and what was applied.

The problems list quotes cell values (names, phones): it is kept encrypted like
any identifier, and never copied into the job's result, which holds counts only.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation
from himaya.registry.fields import EncryptedTextField


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        VALIDATING = "validating", _("being checked")
        READY = "ready", _("checked, waiting for your choice")
        UNREADABLE = "unreadable", _("unreadable file")
        APPLYING = "applying", _("being applied")
        APPLIED = "applied", _("applied")
        REFUSED = "refused", _("refused: nothing was written")
        FAILED = "failed", _("failed: nothing was written")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("apply all rows, or nothing if any row has a problem")
        VALID_ROWS = "valid_rows", _("apply the valid rows and download the rejected ones")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="imports", verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A file name can be a person's name ("Awa Diallo.xlsx"): encrypted like one.
    filename = EncryptedTextField(_("file name"))
    # Keyed hash of the content: the same file uploaded again is recognised without keeping it.
    fingerprint = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    stored_file = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=8, blank=True)
    encoding = models.CharField(max_length=16, blank=True)
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALIDATING)
    mode = models.CharField(max_length=12, choices=Mode.choices, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    report = EncryptedTextField(blank=True)
    validation_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    apply_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        # Never the file name: it may be a person's.
        return f"import #{self.pk}"

    @property
    def report_data(self) -> dict[str, Any]:
        return json.loads(self.report) if self.report else {}

    @property
    def may_apply(self) -> bool:
        if self.status == self.Status.APPLYING:
            # A worker that died mid-way left nothing written (one transaction): run it again.
            return self.apply_job is not None and self.apply_job.is_finished
        return self.status in (self.Status.READY, self.Status.FAILED, self.Status.REFUSED) and bool(
            self.stored_file)
