"""Imports as user actions: upload (then check in the background), choose, apply.

Whose caseload an import fills is never read from the file or the form for
partner staff: it is their association (PROTECTION.md P2). Mission staff name
the partner they import for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himaya.accounts.roles import Role
from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.intake import pipeline, storage
from himaya.intake.models import ImportBatch
from himaya.intake.readers import UnreadableFile, check_size
from himaya.jobs.models import Job
from himaya.jobs.services import job_start, jobs_directory
from himaya.organisations.models import Organisation
from himaya.registry import blind_index

CHECK_JOB = "intake.check"
APPLY_JOB = "intake.apply"
IMPORTERS = frozenset({
    Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER, Role.PROTECTION_OFFICER,
    Role.PARTNER_COORDINATOR, Role.FIELD_AGENT,
})


def import_organisation_for(user: Any, partner: Organisation | None = None) -> Organisation:
    """The caseload this user's import fills: their own association, or the partner mission staff chose."""
    scope = scope_for(user)
    if scope.role not in IMPORTERS or scope.organisation_id is None:
        raise PermissionDenied
    if scope.is_partner:
        return Organisation.objects.get(pk=scope.organisation_id)
    if partner is None:
        return Organisation.objects.get(pk=scope.organisation_id)
    if partner.kind not in (Organisation.Kind.PARTNER, Organisation.Kind.MISSION):
        raise ValidationError(_("People can be imported only for a partner association or the mission."))
    return partner


def import_create(*, actor: Any, organisation: Organisation, upload: IO[bytes], filename: str,
                  size: int | None = None, language: str | None = None) -> ImportBatch:
    """Keep the file (encrypted) and start checking every row in the background."""
    if size is not None:
        try:
            check_size(size)
        except UnreadableFile as error:
            raise ValidationError(str(error)) from None
    name, stored_size, sha256 = storage.store_upload(upload)
    try:
        check_size(stored_size)
    except UnreadableFile as error:
        storage.delete_upload(name)
        raise ValidationError(str(error)) from None
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                organisation=organisation, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                filename=Path(filename).name[:200] or "import", size=stored_size, stored_file=name,
                # Keyed: a bare SHA-256 of a small file could be confirmed by guessing its content.
                fingerprint=blind_index.digest("import-file", sha256),
                language=(language or translation.get_language() or "fr").split("-")[0],
            )
            audit_record(actor=actor, kind="create", action="import.upload", target=batch,
                         organisation_id=organisation.pk)
            batch.validation_job = job_start(kind=CHECK_JOB, owner=actor, organisation_id=organisation.pk,
                                             parameters={"import": batch.pk})
            batch.save(update_fields=["validation_job"])
    except BaseException:
        storage.delete_upload(name)
        raise
    return batch


def import_apply_start(*, actor: Any, batch: ImportBatch, mode: str) -> Job:
    """Queue the apply job, once; the choice of mode is the user's."""
    if mode not in ImportBatch.Mode.values:
        raise ValidationError(_("Choose how to apply the import."))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch.may_apply:
            raise ValidationError(_("This import cannot be applied now (%(status)s).")
                                  % {"status": batch.get_status_display()})
        if mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.counts.get("problems"):
            raise ValidationError(_(
                "Some rows have problems: correct them and upload the file again, or apply the valid rows only."))
        batch.mode = mode
        batch.status = ImportBatch.Status.APPLYING
        batch.apply_job = job_start(kind=APPLY_JOB, owner=actor, organisation_id=batch.organisation_id,
                                    parameters={"import": batch.pk})
        batch.save(update_fields=["mode", "status", "apply_job"])
        audit_record(actor=actor, kind="change", action="import.apply", target=batch,
                     organisation_id=batch.organisation_id, reason=mode)
    return batch.apply_job


def same_file_imported_before(batch: ImportBatch) -> ImportBatch | None:
    return (ImportBatch.objects.filter(organisation_id=batch.organisation_id, fingerprint=batch.fingerprint,
                                       status=ImportBatch.Status.APPLIED)
            .exclude(pk=batch.pk).order_by("applied_at").first())


def _save_report(batch: ImportBatch, report: pipeline.Report, **extra: Any) -> dict[str, Any]:
    counts = {**report.counts(), **extra}
    previous = same_file_imported_before(batch)
    if previous is not None:
        counts["same_file_as"] = previous.pk
    ImportBatch.objects.filter(pk=batch.pk).update(
        counts=counts, kind=report.kind, encoding=report.encoding[:16],
        report=json.dumps(report.to_json(), ensure_ascii=False),
    )
    return counts


def import_check(batch: ImportBatch, progress: pipeline.ProgressFn) -> dict[str, Any]:
    """The check job's work: every row read and judged, nothing written to the registry."""
    with translation.override(batch.language), storage.opened_upload(batch.stored_file) as path:
        report = pipeline.check_file(path, batch.filename, batch.organisation, progress=progress)
    counts = _save_report(batch, report)
    status = ImportBatch.Status.UNREADABLE if report.refused else ImportBatch.Status.READY
    ImportBatch.objects.filter(pk=batch.pk).update(status=status)
    return counts


def import_apply(batch: ImportBatch, job: Job, progress: pipeline.ProgressFn) -> dict[str, Any]:
    """The apply job's work. On any failure the transaction is rolled back and the import can be run again."""
    rejected = jobs_directory() / f"import-{batch.pk}-rejected-{job.pk}.xlsx"
    try:
        with translation.override(batch.language), storage.opened_upload(batch.stored_file) as path:
            outcome = pipeline.apply_file(
                path, batch.filename, batch.organisation, actor=job.owner, mode=batch.mode,
                progress=progress, rejected_path=rejected, reason=f"import #{batch.pk}",
            )
    except BaseException:
        rejected.unlink(missing_ok=True)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    counts = _save_report(batch, outcome.report, created=outcome.created,
                          households_created=outcome.households_created)
    if not outcome.applied:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.REFUSED)
        return counts
    if outcome.rejected_file is not None:
        job.result_file = outcome.rejected_file.name
        with translation.override(batch.language):
            job.result_filename = _("rejected-rows-%(number)d.xlsx") % {"number": batch.pk}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.APPLIED, applied_at=timezone.now(), stored_file="")
    # Applied: the list of people in clear is no longer needed anywhere.
    storage.delete_upload(batch.stored_file)
    return counts
