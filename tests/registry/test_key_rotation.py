"""Rotating keys re-encrypts every value and keeps everything readable and searchable."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection

from himaya.registry import encryption
from himaya.registry.management.commands.rotate_keys import count_under_keys
from himaya.registry.models import Person
from himaya.registry.queries import people_search
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "keys.json"
    monkeypatch.setenv("HIMAYA_KEYS_FILE", str(path))
    encryption._cache.clear()
    yield path
    encryption._cache.clear()


def _raw_phone(person_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM registry_person WHERE id = %s", [person_id])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_and_keeps_data_readable(world, key_file):
    person = make_person(world.partner_a, given_name="Ousmane", family_name="Konaté")
    assert _raw_phone(person.pk).startswith("v1:k1:")
    call_command("rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _raw_phone(person.pk).startswith("v1:k2:")
    assert count_under_keys({"k1"}) == 0
    reread = Person.objects.get(pk=person.pk)
    assert (reread.given_name, reread.phone) == ("Ousmane", "+212612345678")
    assert reread.documents.get().number == "GN1234567"

    call_command("rotate_keys", "--retire", "--blind-index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    keys = json.loads(key_file.read_text())
    assert set(keys["encryption"]["keys"]) == {"k3"}
    assert keys["index"]["current"] == "i2"
    reread = Person.objects.get(pk=person.pk)
    assert reread.family_name == "Konaté"
    assert people_search(world.users["agent_a"], "Osman") == [reread]
    assert people_search(world.users["agent_a"], "0612345678") == [reread]


def test_a_value_from_another_column_does_not_open(world, key_file):
    person = make_person(world.partner_a)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET family_name = phone WHERE id = %s", [person.pk])
    with pytest.raises(encryption.DecryptionError):
        Person.objects.get(pk=person.pk)


def test_missing_key_file_in_production_is_a_clear_error(settings, key_file):
    settings.PRODUCTION = True
    with pytest.raises(encryption.KeyFileError, match="missing"):
        encryption.keyring()
    assert not key_file.exists()
