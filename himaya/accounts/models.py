"""Users, their membership of one organisation with a role, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himaya.accounts.roles import ROLE_ORGANISATION_KINDS, Role
from himaya.organisations.models import Organisation
from himaya.reference.models import Region


class User(AbstractUser):
    """A person who signs in. Personal data of registered migrants never lives here."""

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=[("fr", "Français"), ("ar", "العربية"), ("en", "English")],
        default="fr",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def role(self) -> str | None:
        membership = getattr(self, "membership", None)
        return membership.role if membership else None


class Membership(models.Model):
    """A user's place: one organisation, one role and, where it applies, regions."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="memberships",
        verbose_name=_("regions"),
        help_text=_("For protection officers: the regions whose records they may see."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user.username} · {self.get_role_display()} · {self.organisation.code}"

    def clean(self) -> None:
        expected = ROLE_ORGANISATION_KINDS.get(Role(self.role)) if self.role else None
        if expected and self.organisation_id and self.organisation.kind != expected:
            raise ValidationError(
                {"organisation": _("This role belongs to an organisation of another kind.")}
            )


def token_digest(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough; only the
    # digest is stored and a leaked database yields no usable token.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal, revocable token for phones, vendors and integrations; stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
