"""A coordinator manages their own association's users; the admin manages everyone."""

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from himaya.accounts.models import ApiToken, User
from himaya.accounts.roles import Role
from himaya.accounts.services import token_create
from himaya.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=False)


def _invite(client, organisation, role, username="newagent"):
    return client.post(
        "/accounts/users/invite/",
        {"username": username, "email": f"{username}@example.org", "role": role,
         "organisation": organisation.pk, "preferred_language": "ar"},
    )


def test_coordinator_invites_a_field_agent_into_their_association(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(world.client_for("coord_a"), world.partner_a, Role.FIELD_AGENT)
    assert response.status_code == 302
    user = User.objects.get(username="newagent")
    assert user.membership.organisation == world.partner_a
    assert user.membership.role == Role.FIELD_AGENT
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and "/accounts/password-reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="user.invite", object_id=str(user.pk)).exists()


def test_coordinator_cannot_invite_into_another_association_or_a_mission_role(world):
    client = world.client_for("coord_a")
    assert _invite(client, world.partner_b, Role.FIELD_AGENT, "intruder1").status_code == 200
    assert _invite(client, world.partner_a, Role.PROGRAMME_MANAGER, "intruder2").status_code == 200
    assert not User.objects.filter(username__startswith="intruder").exists()


def test_admin_invites_anyone(world):
    response = _invite(world.client_for("admin"), world.mission, Role.ME_OFFICER, "newme")
    assert response.status_code == 302
    assert User.objects.get(username="newme").membership.role == Role.ME_OFFICER


def test_deactivation_revokes_tokens_and_is_scoped(world):
    agent = world.users["agent_a"]
    token_create(actor=agent, name="phone")
    # Another association's coordinator: not found, nothing changes.
    assert world.client_for("coord_b").post(f"/accounts/users/{agent.pk}/active/", {"active": "0"}).status_code == 404
    agent.refresh_from_db()
    assert agent.is_active
    response = world.client_for("coord_a").post(f"/accounts/users/{agent.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active
    assert not ApiToken.objects.filter(user=agent, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="user.deactivate", object_id=str(agent.pk)).exists()


def test_reset_second_factor_removes_devices(world):
    agent = world.users["agent_a"]
    TOTPDevice.objects.create(user=agent, name="old phone", confirmed=True)
    world.client_for("coord_a").post(f"/accounts/users/{agent.pk}/reset-second-factor/")
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert AuditEvent.objects.filter(action="user.reset_second_factor").count() == 1


def test_user_list_shows_only_own_association(world):
    body = world.client_for("coord_a").get("/accounts/users/").content.decode()
    assert "agent_a" in body and "coord_b" not in body and "manager" not in body
