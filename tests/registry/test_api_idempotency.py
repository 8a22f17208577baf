"""API writes: a replay returns the first answer, another body is a 409, twins make one row."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.urls import reverse

from himaya.registry.models import IdempotencyRecord, Person

BODY = {
    "given_name": "Ibrahima", "family_name": "Sow", "sex": "male", "phone": "0612345678",
    "consents": [{"purpose": "registration", "legal_basis": "consent"}],
}


def _post(client, body, key=None):  # noqa: ANN001, ANN202
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(reverse("api-person-list"), body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_replay_returns_the_first_answer(world):
    client = world.client_for("agent_a")
    first = _post(client, BODY, "key-1")
    assert first.status_code == 201
    again = _post(client, BODY, "key-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.count() == 1
    # The stored answer holds a name: it is encrypted like the rest.
    raw = IdempotencyRecord.objects.values_list("response", flat=True).get()
    assert "Ibrahima" in raw  # decrypted by the field on read
    from django.db import connection as conn
    with conn.cursor() as cursor:
        cursor.execute("SELECT response FROM registry_idempotencyrecord")
        assert "Ibrahima" not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_same_key_with_another_body_is_a_conflict(world):
    client = world.client_for("agent_a")
    assert _post(client, BODY, "key-2").status_code == 201
    response = _post(client, {**BODY, "given_name": "Moussa"}, "key-2")
    assert response.status_code == 409
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_an_invalid_body_writes_nothing_and_frees_the_key(world):
    client = world.client_for("agent_a")
    response = _post(client, {**BODY, "phone": "12"}, "key-3")
    assert response.status_code == 400 and "phone" in response.json()
    assert not Person.objects.exists() and not IdempotencyRecord.objects.exists()
    assert _post(client, BODY, "key-3").status_code == 201


@pytest.mark.django_db
def test_offline_client_id_makes_one_record_and_refuses_another_body(world):
    client = world.client_for("agent_a")
    client_id = str(uuid.uuid4())
    first = _post(client, {**BODY, "client_id": client_id})
    second = _post(client, {**BODY, "client_id": client_id})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    conflict = _post(client, {**BODY, "client_id": client_id, "family_name": "Ba"})
    assert conflict.status_code == 409
    assert Person.objects.count() == 1 and Person.objects.get().family_name == "Sow"


@pytest.mark.django_db
def test_update_by_api_keeps_a_version(world):
    client = world.client_for("agent_a")
    person_id = _post(client, BODY).json()["id"]
    response = client.patch(reverse("api-person-detail", args=[person_id]),
                            {"family_name": "Sall"}, content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="edit-1")
    assert response.status_code == 200, response.content
    person = Person.objects.get(pk=person_id)
    assert person.family_name == "Sall" and person.version == 2
    assert person.versions.get().fields == ["family_name"]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_create_one_person(world):
    user = world.users["agent_a"]
    results: list[int] = []
    barrier = threading.Barrier(6)

    def send(key: str) -> None:
        try:
            client = world.client_for("agent_a")
            barrier.wait()
            results.append(_post(client, BODY, key).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=("same-key",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] * 6, results
    assert Person.objects.count() == 1
    assert IdempotencyRecord.objects.filter(user=user).count() == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_client_ids_create_one_person(world):
    client_id = str(uuid.uuid4())
    results: list[int] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        try:
            client = world.client_for("agent_a")
            barrier.wait()
            results.append(_post(client, {**BODY, "client_id": client_id}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] * 5 + [201], results
    assert Person.objects.count() == 1
