"""The database connection dropped in the middle of a write: the client's retry completes it once.

On PostgreSQL the server really ends the connection (`pg_terminate_backend` from a second
connection) right after part of the work was written, inside its transaction; the next
statement or the COMMIT fails and the request answers 500. On SQLite the same point raises
the OperationalError a lost connection would. The client then retries the same request
(same Idempotency-Key, same client ids): it completes, once, and a further retry replays.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client

from himaya.accounts.services import token_create
from himaya.assistance import services as assistance_services
from himaya.assistance.models import Delivery
from himaya.intake import registry_adapter
from himaya.intake.models import ImportBatch
from himaya.jobs.models import Job
from himaya.registry.models import Person
from himaya.vouchers import services as voucher_services
from himaya.vouchers.models import Redemption, Voucher
from tests.registry.factories import make_person
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db(transaction=True)


def drop_connection() -> None:
    """End this process's database connection as a network cut or a server restart would."""
    if connection.vendor != "postgresql":
        raise OperationalError("server closed the connection unexpectedly (simulated)")
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # gone from the server before the caller goes on
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                break
            time.sleep(0.02)


def dropping_after(real: Callable, call: int = 1) -> Callable:
    """`real`, which on its `call`-th call does its writes and then loses the connection."""
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == call:
            drop_connection()
        return result

    return wrapper


def failed_then_reconnect(response: Any) -> None:
    assert response.status_code == 500
    # What Django does at the start of the next request (close_old_connections), which the
    # test client leaves out: a broken connection is closed, the next query opens a new one.
    connection.close()


def test_a_delivery_batch_cut_mid_write_is_recorded_once_by_the_retry(world, monkeypatch):
    people = [make_person(world.partner_a, given_name=name) for name in ("Awa", "Fatou", "Mariam")]
    items = [{"uuid": str(uuid.uuid4()), "type": "food-voucher", "person": p.code,
              "delivered_on": "2021-03-15", "site": "Centre"} for p in people]
    client = world.client_for("agent_a")
    client.raise_request_exception = False

    def send() -> Any:
        return client.post("/api/v1/assistance/deliveries/sync/", {"deliveries": items},
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="phone-7-batch-12")

    real = assistance_services._mark_targets  # runs once the deliveries are inserted
    monkeypatch.setattr(assistance_services, "_mark_targets", dropping_after(real))
    failed_then_reconnect(send())
    assert Delivery.objects.count() == 0  # the transaction died with the connection

    monkeypatch.setattr(assistance_services, "_mark_targets", real)
    retry = send()
    assert retry.status_code == 200, retry.content
    assert [r["status"] for r in retry.json()["results"]] == ["created"] * 3
    again = send()
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == retry.json()
    assert Delivery.objects.count() == 3
    assert sorted(Delivery.objects.values_list("client_uuid", flat=True)) == sorted(
        uuid.UUID(i["uuid"]) for i in items)


def test_a_redemption_cut_before_its_commit_is_taken_once_by_the_retry(world, monkeypatch):
    contract(world.vendor)
    issued = issue(world.partner_a, value="200")
    till = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=world.users['vendor'], name='till').raw}",
                  raise_request_exception=False)

    def redeem() -> Any:
        return till.post("/api/v1/vouchers/redeem/", {"code": issued.code, "amount": "75.25"},
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY="till-3-0042")

    real = voucher_services._write_redemption  # the balance UPDATE and the ledger INSERTs
    monkeypatch.setattr(voucher_services, "_write_redemption", dropping_after(real))
    failed_then_reconnect(redeem())
    assert Redemption.objects.count() == 0
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == 200

    monkeypatch.setattr(voucher_services, "_write_redemption", real)
    retry = redeem()
    assert retry.status_code == 201, retry.content
    assert retry.json()["balance"] == "124.75" and retry.json()["replayed"] is False
    again = redeem()
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["receipt"] == retry.json()["receipt"]
    assert Redemption.objects.count() == 1
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == pytest.approx(124.75)


def test_an_import_cut_between_two_batches_is_applied_once_by_the_retry(world, monkeypatch):
    rows = 1200  # two batches of the pipeline (1,000 each)
    lines = ["external_id;given_name;family_name;sex;birth_date;nationality;phone;consent_registration"]
    lines += [f"k{n};Awa;Diallo;F;12/03/1990;SEN;+22177{n:07d};oui" for n in range(rows)]
    client = world.client_for("coord_a")
    client.raise_request_exception = False
    created = client.post("/api/v1/imports/", {"file": SimpleUploadedFile(
        "people.csv", "\n".join(lines).encode())}).json()
    batch = ImportBatch.objects.get(pk=created["id"])
    assert batch.status == ImportBatch.Status.READY and batch.counts["valid"] == rows

    def apply() -> Any:
        return client.post(f"/api/v1/imports/{batch.pk}/apply/", {"mode": "all"})

    real = registry_adapter.people_register_batch
    monkeypatch.setattr(registry_adapter, "people_register_batch", dropping_after(real))
    first = apply()
    # The job caught the failure on a fresh connection and recorded it for the user.
    assert first.status_code == 202
    batch.refresh_from_db()
    assert batch.apply_job.status == Job.Status.FAILED
    assert Person.objects.count() == 0  # the first batch went with the transaction

    monkeypatch.setattr(registry_adapter, "people_register_batch", real)
    retry = apply()
    assert retry.status_code == 202, retry.content
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.apply_job.status == Job.Status.SUCCEEDED
    assert apply().status_code == 400  # applied already: a third click changes nothing
    assert Person.objects.count() == rows
    assert Person.objects.values("external_id").distinct().count() == rows
