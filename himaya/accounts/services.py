"""Account writes: invitations, deactivation, second-factor resets, API tokens. Each audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from himaya.accounts.models import ApiToken, Membership, User, token_digest
from himaya.accounts.roles import PARTNER_STAFF, Role
from himaya.accounts.scopes import scope_for
from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.reference.models import Region


def _check_can_manage(actor: Any, organisation: Organisation, role: str) -> None:
    scope = scope_for(actor)
    if scope.role == Role.MISSION_ADMIN:
        return
    if (
        scope.role == Role.PARTNER_COORDINATOR
        and organisation.pk == scope.organisation_id
        and role in PARTNER_STAFF
    ):
        return
    raise PermissionDenied(_("You cannot manage accounts of this organisation or role."))


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    email: str,
    organisation: Organisation,
    role: str,
    first_name: str = "",
    last_name: str = "",
    regions: Iterable[Region] = (),
    password: str | None = None,
    preferred_language: str = "fr",
) -> User:
    """Create a user with one membership. Without a password the account waits for the invitee."""
    if actor is not None:
        _check_can_manage(actor, organisation, role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name,
        preferred_language=preferred_language,
    )
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean(exclude=["user"])
    membership.save()
    membership.regions.set(regions)
    audit_record(
        actor=actor, kind="security", action="user.create", target=user,
        organisation_id=organisation.pk, fields=["role", "organisation"],
    )
    return user


def _set_password_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url + reverse("accounts:password-reset-confirm", args=[uid, token])


@transaction.atomic
def user_invite(
    *,
    actor: Any,
    username: str,
    email: str,
    organisation: Organisation,
    role: str,
    base_url: str,
    first_name: str = "",
    last_name: str = "",
    regions: Iterable[Region] = (),
    preferred_language: str = "fr",
) -> User:
    """Create the account and e-mail a link to choose a password, in the invitee's language."""
    user = user_create(
        actor=actor, username=username, email=email, organisation=organisation, role=role,
        first_name=first_name, last_name=last_name, regions=regions,
        preferred_language=preferred_language,
    )
    link = _set_password_link(user, base_url)
    with translation.override(preferred_language):
        subject = _("Your Himaya account")
        body = render_to_string(
            "accounts/email/invitation.txt",
            {"user": user, "link": link, "organisation": organisation},
        )
    # Sent after commit so that a rolled-back invitation sends nothing.
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    audit_record(actor=actor, kind="security", action="user.invite", target=user,
                 organisation_id=organisation.pk)
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    membership = user.membership
    _check_can_manage(actor, membership.organisation, membership.role)
    if user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor, kind="security", action="user.activate" if active else "user.deactivate",
        target=user, organisation_id=membership.organisation_id,
    )
    return user


@transaction.atomic
def user_reset_second_factor(*, actor: Any, user: User) -> int:
    """Remove the user's devices; they enrol a new one at their next sign-in."""
    membership = user.membership
    _check_can_manage(actor, membership.organisation, membership.role)
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor, kind="security", action="user.reset_second_factor", target=user,
        organisation_id=membership.organisation_id,
    )
    return removed


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def token_create(*, actor: Any, name: str) -> IssuedToken:
    prefix = secrets.token_hex(4)
    raw = f"hmy_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=actor, name=name, prefix=prefix, digest=token_digest(raw))
    audit_record(actor=actor, kind="security", action="token.create", target=token)
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and scope_for(actor).role != Role.MISSION_ADMIN:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, kind="security", action="token.revoke", target=token)
    return token


def confirm_totp_device(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Check a code against a device being enrolled; TOTP codes never verify twice."""
    if device.user_id != user.pk or not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, kind="security", action="second_factor.enrol", target=user)
    return True
