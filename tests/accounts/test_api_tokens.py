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
