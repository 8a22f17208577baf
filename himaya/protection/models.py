"""Erasure requests and the record of every anonymised person (P16, P17).

Neither table holds a name: a request points at the person (whose code stays after
anonymisation) and says who decided what, and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation
from himaya.registry.models import Person


class Cause(models.TextChoices):
    RETENTION = "retention", _("retention period over")
    ERASURE = "erasure", _("erasure request")


class Anonymisation(models.Model):
    """One person whose identifiers were wiped: the purge skips them, reports still count them."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="anonymisation")
    at = models.DateTimeField(auto_now_add=True)
    cause = models.CharField(max_length=12, choices=Cause.choices)
    # What was wiped (field names, never values) - "all identifiers" or the part an erasure decided.
    wiped = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")

    def __str__(self) -> str:
        return f"{self.person_id} {self.cause}"


class ErasureRequest(models.Model):
    """A person's request that their data be erased, its decision and its outcome."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received, awaiting a decision")
        DONE = "done", _("decided and carried out")

    class Decision(models.TextChoices):
        ERASE = "erase", _("erase every identifier")
        PARTIAL = "partial", _("erase contact details, keep identity (part refused)")
        REFUSE = "refuse", _("refuse")

    class RefusalGround(models.TextChoices):
        LEGAL_HOLD = "legal_hold", _("legal hold (proceedings or an authority's request)")
        ONGOING_PROTECTION = "ongoing_protection", _("ongoing protection case")
        FINANCIAL_RECORD = "financial_record", _("financial record still to be audited")
        OTHER = "other", _("other ground, explained")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("by phone")
        WRITTEN = "written", _("in writing")
        THROUGH_PARTNER = "through_partner", _("through a partner association")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="erasure_requests",
                               verbose_name=_("person"))
    # The person's owner, copied so that row-level security can scope the request.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     editable=False)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.RECEIVED, editable=False)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    refusal_ground = models.CharField(_("ground for refusing"), max_length=20,
                                      choices=RefusalGround.choices, blank=True)
    # Why, in words: must not repeat the person's identifiers (the form says so).
    explanation = models.TextField(_("explanation"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The outcome as carried out: the field names wiped (empty when refused).
    wiped = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.CheckConstraint(
                name="protection_erasure_refusal_has_ground",
                condition=models.Q(decision__in=["", "erase"]) | ~models.Q(refusal_ground=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}"
