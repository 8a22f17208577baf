import pytest
from django.db import connection
from rest_framework.test import APIClient

from himaya.accounts.services import token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_a_personal_token_authenticates_and_is_stored_only_hashed(world):
    issued = token_create(actor=world.users["agent_a"], name="field phone")
    with connection.cursor() as cursor:
        cursor.execute("SELECT prefix, digest FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert issued.raw not in repr(rows)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["organisation"] == "partner-a"
    assert response.json()["role"] == "field_agent"


def test_a_revoked_or_made_up_token_is_refused(world):
    issued = token_create(actor=world.users["agent_a"], name="lost phone")
    token_revoke(actor=world.users["agent_a"], token=issued.token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer hmy_00000000_made-up")
    assert client.get("/api/v1/me/").status_code == 401


def test_token_page_shows_the_secret_once(world):
    client = world.client_for("agent_a")
    response = client.post("/accounts/tokens/", {"name": "phone 2"})
    assert b"hmy_" in response.content
    assert b"hmy_" not in client.get("/accounts/tokens/").content.replace(b"hmy_</", b"")


def test_a_token_is_remembered_for_a_few_seconds_and_revocation_is_immediate(world, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from himaya.accounts import token_cache
    from himaya.accounts.services import user_set_active

    issued = token_create(actor=world.users["agent_a"], name="till")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    assert client.get("/api/v1/me/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/").status_code == 200
    assert not [q for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]
    # A change made without the ORM's signals (another server process) is seen after the time-out.
    from himaya.accounts.models import ApiToken

    ApiToken.objects.filter(pk=issued.token.pk).update(revoked_at=issued.token.created_at)
    assert client.get("/api/v1/me/").status_code == 200
    monkeypatch.setattr(token_cache, "ttl", lambda: -1.0)  # the time-out has passed
    assert client.get("/api/v1/me/").status_code == 401
    monkeypatch.undo()
    # In the process that makes the change, at once: revoking, or deactivating the user.
    other = token_create(actor=world.users["agent_a"], name="phone")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw}")
    assert client.get("/api/v1/me/").status_code == 200
    user_set_active(actor=world.users["coord_a"], user=world.users["agent_a"], active=False)
    assert client.get("/api/v1/me/").status_code == 401
