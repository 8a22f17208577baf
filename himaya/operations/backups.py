"""Encrypted backups of the database, and their restoration into an empty one.

A backup is a tar archive — a manifest and the database dump (`sqlite3` online backup, or
`pg_dump --format=custom`) — encrypted with age (`pyrage`) to one or more X25519 recipients.
The server holds only the recipients' public keys (`HIMAYA_BACKUP_RECIPIENTS`); the
identity that decrypts stays with the operator, off the server, so a stolen server or a
stolen backup alone reveals nothing. The keys that encrypt identifiers inside the database
are not in the backup: they are backed up separately (docs/operations.md).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
from django.apps import apps
from django.db import connection, connections
from django.utils import timezone

MANIFEST = "manifest.json"
DUMP_SQLITE = "database.sqlite3"
DUMP_POSTGRES = "database.pgdump"


class BackupError(RuntimeError):
    pass


def row_counts() -> dict[str, int]:
    """Rows per Himaya table: written into the manifest, checked after a restore."""
    counts = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models():
        if not model.__module__.startswith("himaya.") or model._meta.db_table not in existing:
            continue
        counts[model._meta.db_table] = model._base_manager.count()
    return counts


def _recipients(raw: list[str]) -> list[pyrage.x25519.Recipient]:
    if not raw:
        raise BackupError("no backup recipient: set HIMAYA_BACKUP_RECIPIENTS or pass --recipient")
    try:
        return [pyrage.x25519.Recipient.from_str(value.strip()) for value in raw if value.strip()]
    except pyrage.RecipientError as error:
        raise BackupError(f"invalid recipient: {error}") from None


def _dump(directory: Path) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        target = directory / DUMP_SQLITE
        source = sqlite3.connect(settings_dict["NAME"])
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)  # consistent even while the site is writing
        source.close()
        destination.close()
        return DUMP_SQLITE
    if connection.vendor == "postgresql":
        target = directory / DUMP_POSTGRES
        _run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                f"--file={target}")
        return DUMP_POSTGRES
    raise BackupError(f"backups are not supported for {connection.vendor}")


def _pg_environment() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    env.update({
        "PGHOST": str(s.get("HOST") or ""), "PGPORT": str(s.get("PORT") or ""),
        "PGUSER": str(s.get("USER") or ""), "PGPASSWORD": str(s.get("PASSWORD") or ""),
        "PGDATABASE": str(s["NAME"]),
    })
    return env


def _run_pg(*command: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    # The command is one of our fixed pg_dump/pg_restore calls; nothing comes from a user.
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True,  # noqa: S603
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(output: Path, recipients: list[str]) -> dict:
    """Write an encrypted backup to `output` (atomically: a partial file is never left)."""
    keys = _recipients(recipients)
    with tempfile.TemporaryDirectory(prefix="himaya-backup-") as tmp:
        directory = Path(tmp)
        dump_name = _dump(directory)
        manifest = {
            "format": 1,
            "vendor": connection.vendor,
            "dump": dump_name,
            "created_at": timezone.now().isoformat(),
            "row_counts": row_counts(),
        }
        archive = directory / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(directory / dump_name, arcname=dump_name)
        partial = output.with_name(output.name + ".partial")
        pyrage.encrypt_file(str(archive), str(partial), keys)
        partial.replace(output)
    return manifest


@dataclass
class RestoreReport:
    manifest: dict
    restored_counts: dict[str, int]

    @property
    def complete(self) -> bool:
        return self.restored_counts == self.manifest["row_counts"]


def _database_is_empty() -> bool:
    return not [t for t in connection.introspection.table_names() if t != "django_migrations"]


def restore(source: Path, identity_file: Path) -> RestoreReport:
    """Restore a backup into an EMPTY database, then check every table's row count."""
    try:
        identity = pyrage.x25519.Identity.from_str(identity_file.read_text().strip().splitlines()[-1])
    except (OSError, pyrage.IdentityError, IndexError) as error:
        raise BackupError(f"cannot read the identity: {error}") from None
    if not _database_is_empty():
        raise BackupError("the target database is not empty: restore only into an empty one")
    with tempfile.TemporaryDirectory(prefix="himaya-restore-") as tmp:
        directory = Path(tmp)
        archive = directory / "backup.tar"
        try:
            pyrage.decrypt_file(str(source), str(archive), [identity])
        except pyrage.DecryptError as error:
            raise BackupError(f"cannot decrypt the backup: {error}") from None
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
        manifest = json.loads((directory / MANIFEST).read_text())
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"this backup is of a {manifest['vendor']} database, the target is {connection.vendor}"
            )
        dump = directory / manifest["dump"]
        if connection.vendor == "sqlite":
            target = Path(connection.settings_dict["NAME"])
            connections.close_all()
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            shutil.copyfile(dump, target)
        else:
            connections.close_all()
            _run_pg("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    f"--dbname={connection.settings_dict['NAME']}", str(dump))
    return RestoreReport(manifest=manifest, restored_counts=row_counts())
