"""P12, key rotation step by step: new key, re-encrypt, old key removed; readable at every step.

tests/registry/test_key_rotation.py runs the command end to end; this walks through the same
steps one by one, re-reading the key file from disk between them (as a restarted server does),
so that a state in between (two keys, values under both) is proven readable too.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from himaya.registry import encryption
from himaya.registry.management.commands.rotate_keys import count_under_keys, reencrypt_all
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


def _raw_given_name(person_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name FROM registry_person WHERE id = %s", [person_id])
        return cursor.fetchone()[0]


def _restart() -> None:
    """Forget the keys held in memory: the next read loads the file, as a new process would."""
    encryption._cache.clear()


def _readable(world, person: Person, given: str) -> None:  # noqa: ANN001
    reread = Person.objects.get(pk=person.pk)
    assert reread.given_name == given
    assert reread.documents.get().number == "GN1234567"
    assert people_search(world.users["agent_a"], given) == [reread]


def test_each_step_of_a_rotation_leaves_everything_readable(world, key_file):
    first = make_person(world.partner_a, given_name="Ousmane")
    old_token = _raw_given_name(first.pk)
    assert encryption.key_id_of(old_token) == "k1"

    # Step 1: a new key is added and becomes current; nothing re-encrypted yet.
    ring, new_id = encryption.keyring().with_new_key()
    encryption.write_keyring(ring)
    _restart()
    assert set(json.loads(key_file.read_text())["encryption"]["keys"]) == {"k1", new_id}
    _readable(world, first, "Ousmane")
    second = make_person(world.partner_a, given_name="Idrissa")
    assert encryption.key_id_of(_raw_given_name(second.pk)) == new_id
    _readable(world, second, "Idrissa")

    # Step 2: every value is re-encrypted under the new key.
    reencrypt_all()
    _restart()
    assert count_under_keys({"k1"}) == 0
    assert encryption.key_id_of(_raw_given_name(first.pk)) == new_id
    _readable(world, first, "Ousmane")
    _readable(world, second, "Idrissa")

    # Step 3: the old key leaves the file; the data stays readable without it...
    encryption.write_keyring(encryption.keyring().without_keys({"k1"}))
    _restart()
    assert set(json.loads(key_file.read_text())["encryption"]["keys"]) == {new_id}
    _readable(world, first, "Ousmane")
    _readable(world, second, "Idrissa")
    # ...and what was sealed under it can no longer be opened by anyone holding this file.
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(old_token, context="registry.person.given_name")
