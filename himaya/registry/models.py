"""People and households, their consent, vulnerabilities and history.

Identifiers (names, phone, document numbers, exact birth date) live only in
encrypted columns; what must be searchable is reachable through keyed hashes
(`*_index` columns and `SearchKey` rows). There is deliberately no field for
legal status, religion or ethnicity (PROTECTION.md P5), and no document type
that would reveal a status (residence or refugee card).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation
from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.reference.translation import NamedInThreeLanguages
from himaya.registry import codes
from himaya.registry.fields import EncryptedTextField


class VulnerabilityCriterion(NamedInThreeLanguages):
    """An entry of the editable vulnerability catalogue."""

    code = models.SlugField(max_length=40, unique=True)
    # Protection details (violence, trafficking, health) hidden from M&E views (P6).
    sensitive = models.BooleanField(_("sensitive"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("vulnerability criterion")
        verbose_name_plural = _("vulnerability criteria")


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    NOT_STATED = "not_stated", _("not stated")


class BirthPrecision(models.TextChoices):
    EXACT = "exact", _("exact date")
    MONTH = "month", _("month and year")
    YEAR = "year", _("year only")
    AGE = "age", _("approximate age")
    UNKNOWN = "unknown", _("unknown")


class Person(models.Model):
    """A registered individual, owned by a partner association or by the mission."""

    code = models.CharField(_("code"), max_length=9, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", editable=False,
        verbose_name=_("organisation"),
    )
    # Client-made id (offline UUID, Kobo instanceID, import row key): a replay is one record.
    external_id = models.CharField(max_length=100, blank=True, editable=False)
    # Keyed hash of the clean data first registered under external_id: a different body is a conflict.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)

    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"), blank=True)
    other_names = EncryptedTextField(_("other names"), blank=True)
    sex = models.CharField(_("sex"), max_length=12, choices=Sex.choices)
    birth_precision = models.CharField(
        _("birth date precision"), max_length=8, choices=BirthPrecision.choices,
        default=BirthPrecision.UNKNOWN,
    )
    # ISO date, only when the precision is exact; year (and month) stay clear for age groups.
    birth_date = EncryptedTextField(_("birth date"), blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    birth_month = models.PositiveSmallIntegerField(
        _("birth month"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    nationality = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("nationality"),
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="+", verbose_name=_("languages")
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("region"),
    )
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("province or prefecture"),
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("commune"),
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Keyed hash of the folded full name, for exact look-up and deduplication.
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    vulnerabilities = models.ManyToManyField(
        VulnerabilityCriterion, blank=True, related_name="people",
        verbose_name=_("vulnerabilities"),
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Set when deduplication absorbed this record into another (and cleared by an un-merge),
    # only through services.person_mark_merged / person_clear_merged: lists, search and
    # counts leave the record out, its page and printed code still lead to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed",
        editable=False, verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["-registered_at", "-pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], condition=~Q(external_id=""),
                name="registry_person_unique_external_id",
            ),
        ]
        indexes = [
            # A partner's search walks its own caseload newest first (bench/registry_search.py):
            # without it PostgreSQL reads the whole registry backwards to find a rare name.
            models.Index(fields=["organisation", "-id"], name="registry_person_org_recent"),
            # The same for searches, which leave out records absorbed by a merge: with the
            # condition in the index, the id step is still answered from the index alone.
            models.Index(fields=["organisation", "-id"], condition=Q(merged_into__isnull=True),
                         name="registry_person_org_listed"),
            models.Index(fields=["-id"], condition=Q(merged_into__isnull=True), name="registry_person_listed"),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs, admin titles and error reports.
        return self.code_display

    @property
    def code_display(self) -> str:
        return codes.display(self.code)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def current_survivor(self) -> Person:
        """The record that now stands for this one: itself, or the end of its merge chain
        (a survivor can itself be absorbed later)."""
        current, seen = self, {self.pk}
        while current.merged_into_id is not None:
            following = Person.objects.get(pk=current.merged_into_id)
            if following.pk in seen:  # never loop on bad data
                break
            seen.add(following.pk)
            current = following
        return current

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def birth_date_value(self) -> dt.date | None:
        return dt.date.fromisoformat(self.birth_date) if self.birth_date else None


class SearchKey(models.Model):
    """One keyed hash of a name prefix or sound of a person (see `blind_index`)."""

    # No index of its own: the unique (person, digest) index below starts with the person.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_keys", db_index=False)
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="registry_searchkey_unique"),
        ]
        indexes = [
            # Search reads "who holds this digest": with the person in the index, PostgreSQL
            # answers from the index alone (no visit to twenty million table rows).
            models.Index(fields=["digest", "person"], name="registry_searchkey_digest_pk"),
        ]

    def __str__(self) -> str:
        return self.digest


class PersonDocument(models.Model):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("passport")
        NATIONAL_ID = "national_id", _("national identity card")
        CONSULAR_CARD = "consular_card", _("consular card")
        BIRTH_CERTIFICATE = "birth_certificate", _("birth certificate")
        OTHER = "other", _("other document")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document type"), max_length=20, choices=Kind.choices)
    number = EncryptedTextField(_("document number"))
    number_index = models.CharField(max_length=64, db_index=True, editable=False)
    issuing_country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issuing country"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.get_kind_display()


class Purpose(models.TextChoices):
    REGISTRATION = "registration", _("registration")
    ASSISTANCE = "assistance", _("assistance")
    REFERRAL = "referral", _("referral and sharing")
    FOLLOW_UP = "follow_up", _("follow-up contact")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("consent")
    VITAL_INTEREST = "vital_interest", _("vital interest")
    PUBLIC_INTEREST = "public_interest", _("public interest")
    LEGITIMATE_INTEREST = "legitimate_interest", _("legitimate interest")


class Consent(models.Model):
    """The basis on which one purpose may be processed for one person, and its withdrawal."""

    class Status(models.TextChoices):
        GIVEN = "given", _("given")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    language = models.ForeignKey(
        Language, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("language of the explanation"),
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("collected by"),
    )
    collected_on = models.DateField(_("collected on"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["purpose"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["person", "purpose"], name="registry_consent_one_per_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_status_display()}"

    @property
    def permits(self) -> bool:
        return self.status == self.Status.GIVEN


class Household(models.Model):
    code = models.CharField(_("code"), max_length=9, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households", editable=False,
    )
    external_id = models.CharField(max_length=100, blank=True, editable=False)
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )

    class Meta:
        ordering = ["-registered_at", "-pk"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], condition=~Q(external_id=""),
                name="registry_household_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.code_display

    @property
    def code_display(self) -> str:
        return codes.display(self.code)

    @property
    def head(self) -> Person | None:
        member = next((m for m in self.members.all() if m.relationship == Relationship.HEAD), None)
        return member.person if member else None


class Relationship(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse or partner")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    SIBLING = "sibling", _("brother or sister")
    GRANDCHILD = "grandchild", _("grandchild")
    OTHER_RELATIVE = "other_relative", _("other relative")
    NOT_RELATED = "not_related", _("not related")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    # A person lives in one household at a time.
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="membership")
    relationship = models.CharField(
        _("relationship to the head"), max_length=16, choices=Relationship.choices
    )

    class Meta:
        ordering = ["household", "pk"]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(relationship="head"),
                name="registry_household_one_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_relationship_display()}"


class PersonVersion(models.Model):
    """The state of a person before a change: field names in clear, values encrypted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    change = models.CharField(max_length=32)
    fields = models.JSONField(default=list)
    snapshot = EncryptedTextField()

    class Meta:
        ordering = ["-version", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="registry_person_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version}"


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an Idempotency-Key, replayed on a retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    # The answer holds names: encrypted like any identifier.
    response = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="registry_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return self.key
