"""`himaya backup` and `himaya restore`: encrypted, restorable into an empty database, complete."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pyrage
import pytest

SCRIPT = "from himaya.cli import main; main()"
MARKER = "Association Témoin Backup"


def _himaya(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    full.update(env)
    full.setdefault("HIMAYA_ENV", "development")
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], env=full, capture_output=True,
                          text=True, timeout=300)


def _seed(env: dict[str, str]) -> None:
    assert _himaya(env, "migrate", "--verbosity=0").returncode == 0
    code = (
        "from himaya.organisations.models import Organisation as O;"
        f"O.objects.create(code='witness', kind='partner', name_fr='{MARKER}')"
    )
    result = _himaya(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr


def _count(env: dict[str, str]) -> str:
    code = "from himaya.organisations.models import Organisation as O; print(O.objects.filter(code='witness').count())"
    return _himaya(env, "shell", "-c", code).stdout.strip().splitlines()[-1]


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, Path]:
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "identity.txt"
    path.write_text(str(identity) + "\n")
    return str(identity.to_public()), path


def _round_trip(source_env, target_env, keys, tmp_path):
    recipient, identity = keys
    _seed(source_env)
    archive = tmp_path / "himaya.age"
    result = _himaya(source_env, "backup", str(archive), "--recipient", recipient)
    assert result.returncode == 0, result.stderr
    assert MARKER.encode() not in archive.read_bytes()  # encrypted, not merely packed
    assert not archive.with_name("himaya.age.partial").exists()

    result = _himaya(target_env, "restore", str(archive), "--identity", str(identity))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "every count matches" in result.stdout
    assert _count(target_env) == "1"

    # Never over existing data; never with the wrong identity.
    again = _himaya(target_env, "restore", str(archive), "--identity", str(identity))
    assert again.returncode != 0 and "not empty" in again.stderr
    stranger = tmp_path / "stranger.txt"
    stranger.write_text(str(pyrage.x25519.Identity.generate()))
    return archive, stranger


def test_sqlite_backup_restores_into_an_empty_database(tmp_path, keys):
    source = {"HIMAYA_VAR_DIR": str(tmp_path / "a")}
    target = {"HIMAYA_VAR_DIR": str(tmp_path / "b")}
    archive, stranger = _round_trip(source, target, keys, tmp_path)
    empty = {"HIMAYA_VAR_DIR": str(tmp_path / "c")}
    wrong = _himaya(empty, "restore", str(archive), "--identity", str(stranger))
    assert wrong.returncode != 0 and "cannot decrypt" in wrong.stderr


def test_backup_without_a_recipient_is_refused(tmp_path):
    env = {"HIMAYA_VAR_DIR": str(tmp_path / "a")}
    _himaya(env, "migrate", "--verbosity=0")
    result = _himaya(env, "backup", str(tmp_path / "x.age"))
    assert result.returncode != 0 and "recipient" in result.stderr
    assert not (tmp_path / "x.age").exists()


def _postgres_url() -> str | None:
    result = subprocess.run([sys.executable, "scripts/postgres_url.py"], capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parents[2])
    return result.stdout.strip() or None


@pytest.mark.skipif(_postgres_url() is None, reason="no PostgreSQL server reachable")
def test_postgresql_backup_restores_into_an_empty_database(tmp_path, keys):
    import psycopg

    base = _postgres_url()
    names = [f"himaya_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = psycopg.connect(base.replace("postgres://", "postgresql://", 1), autocommit=True)
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        root = base.rsplit("/", 1)[0]
        source = {"DATABASE_URL": f"{root}/{names[0]}", "HIMAYA_VAR_DIR": str(tmp_path / "a")}
        target = {"DATABASE_URL": f"{root}/{names[1]}", "HIMAYA_VAR_DIR": str(tmp_path / "b")}
        _round_trip(source, target, keys, tmp_path)
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
