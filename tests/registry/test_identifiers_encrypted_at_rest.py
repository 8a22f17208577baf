"""A known person's name and phone appear nowhere in the database's bytes (P12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.registry.factories import make_person

NAME, FAMILY, PHONE = "Zoubeida", "Ouedraogo", "+212 661 23 45 78"
NEEDLES = [b"Zoubeida", b"zoubeida", b"Ouedraogo", b"ouedraogo", b"661234578", b"66123 4578",
           "زبيدة".encode()]

SCRIPT = f"""
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from himaya.organisations.models import Organisation
from himaya.registry.services import person_register
from himaya.registry.validation import person_data_validate
partner = Organisation.objects.create(code="p", kind="partner", name_fr="Association")
data = person_data_validate({{
    "given_name": "{NAME}", "family_name": "{FAMILY}", "other_names": "زبيدة", "sex": "female",
    "phone": "{PHONE}", "birth_date": "1990-04-17",
    "documents": [{{"kind": "passport", "number": "BF661234578"}}],
    "consents": [{{"purpose": "registration", "legal_basis": "consent"}}],
}})
person_register(actor=None, organisation=partner, data=data, external_id="row-1")
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
connection.close()
"""


def test_sqlite_file_holds_no_plaintext_identifier(tmp_path: Path):
    env = {
        **os.environ, "HIMAYA_VAR_DIR": str(tmp_path), "HIMAYA_ENV": "test",
        "HIMAYA_KEYS_FILE": str(tmp_path / "keys.json"), "DJANGO_SETTINGS_MODULE": "himaya.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SQLITE_PATH", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                            text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr[-2000:]
    database = tmp_path / "himaya.sqlite3"
    content = database.read_bytes()
    for extra in (tmp_path / "himaya.sqlite3-wal",):
        if extra.exists():
            content += extra.read_bytes()
    assert b"v1:k1:" in content, "the encrypted values are in the file"
    for needle in NEEDLES:
        assert needle not in content, needle
    assert b"1990-04-17" not in content
    # The key is beside the database, never inside it, and readable by its owner only.
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db
def test_postgresql_rows_hold_no_plaintext_identifier(world):
    person = make_person(world.partner_a, given_name=NAME, family_name=FAMILY, other_names="زبيدة",
                         phone=PHONE, birth_date="1990-04-17", birth_year=None,
                         documents=[{"kind": "passport", "number": "BF661234578"}])
    with connection.cursor() as cursor:
        texts = []
        for table, column in [("registry_person", "id"), ("registry_persondocument", "person_id"),
                              ("registry_searchkey", "person_id")]:
            cursor.execute(f"SELECT t::text FROM {table} t WHERE {column} = %s", [person.pk])
            texts += [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT t::text FROM audit_auditevent t")
        texts += [row[0] for row in cursor.fetchall()]
    blob = "\n".join(texts).encode()
    assert b"v1:" in blob
    for needle in NEEDLES:
        assert needle not in blob, needle
    assert b"1990-04-17" not in blob
