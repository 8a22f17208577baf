"""Assistance: the catalogue, entitlement rules, distributions, deliveries, stock, referrals.

Every row that names a person belongs to a partner association (or the mission)
through `organisation`, which services take from the caller's scope and never
from input (PROTECTION.md P2). Clinical notes are encrypted like identifiers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Commune, Region
from himaya.reference.translation import NamedInThreeLanguages
from himaya.registry.fields import EncryptedTextField
from himaya.registry.models import Household, Person, Sex, VulnerabilityCriterion

MONEY = {"max_digits": 12, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 3}


class Category(models.TextChoices):
    FOOD = "food", _("food")
    HYGIENE = "hygiene", _("hygiene")
    MEDICAL = "medical", _("medical")
    NON_FOOD = "non_food", _("non-food items")
    SHELTER = "shelter", _("shelter")
    PSYCHOSOCIAL = "psychosocial", _("psychosocial support")
    LEGAL = "legal", _("legal assistance")
    EDUCATION = "education", _("education")
    OTHER = "other", _("other")


class Modality(models.TextChoices):
    IN_KIND = "in_kind", _("in kind")
    VOUCHER = "voucher", _("voucher")
    CASH = "cash", _("cash")
    SERVICE = "service", _("service")
    REFERRAL = "referral", _("referral")


# Categories counted as "direct assistance" in the reference case (kits and vouchers).
DIRECT_CATEGORIES = (Category.FOOD, Category.HYGIENE, Category.NON_FOOD)


class Item(NamedInThreeLanguages):
    """A stocked article (rice, oil, soap…): what warehouses count."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. kg, litre, piece"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")


class AssistanceType(NamedInThreeLanguages):
    """One entry of the catalogue: what can be delivered, how, and what one unit is worth."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    modality = models.CharField(_("modality"), max_length=12, choices=Modality.choices)
    unit = models.CharField(_("unit"), max_length=20, default="kit")
    unit_value = models.DecimalField(_("unit value (MAD)"), **MONEY, default=0)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("assistance type")
        verbose_name_plural = _("assistance types")
        constraints = [
            models.CheckConstraint(condition=Q(unit_value__gte=0), name="assistance_type_value_not_negative"),
        ]

    @property
    def is_stocked(self) -> bool:
        """In-kind types with a composition take their items out of a warehouse."""
        return self.modality == Modality.IN_KIND


class KitComponent(models.Model):
    """One line of a kit's composition: so many units of an item per kit delivered."""

    kit = models.ForeignKey(AssistanceType, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity per kit"), **QUANTITY)

    class Meta:
        ordering = ["kit", "item__code"]
        verbose_name = _("kit component")
        verbose_name_plural = _("kit components")
        constraints = [
            models.UniqueConstraint(fields=["kit", "item"], name="assistance_kit_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="assistance_kit_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit.code}: {self.quantity} {self.item.code}"


class EntitlementRule(models.Model):
    """Who may receive a type under a programme, and how often; evaluated by `entitlements`."""

    class Period(models.TextChoices):
        MONTH = "month", _("calendar month")
        QUARTER = "quarter", _("calendar quarter")
        YEAR = "year", _("calendar year")
        PROGRAMME = "programme", _("whole programme")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="entitlement_rules", verbose_name=_("programme")
    )
    assistance_type = models.ForeignKey(
        AssistanceType, on_delete=models.CASCADE, related_name="rules", verbose_name=_("assistance type")
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.MONTH)
    max_per_person = models.PositiveIntegerField(_("at most per person per period"), null=True, blank=True)
    max_per_household = models.PositiveIntegerField(
        _("at most per household per period"), null=True, blank=True
    )
    vulnerabilities = models.ManyToManyField(
        VulnerabilityCriterion, blank=True, related_name="+", verbose_name=_("eligible vulnerabilities"),
        help_text=_("The person must have at least one of them; none selected means anyone."),
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("eligible regions"),
        help_text=_("None selected means every region."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    sexes = models.JSONField(_("eligible sexes"), default=list, blank=True,
                             help_text=_("Empty means every sex."))
    excludes = models.ManyToManyField(
        AssistanceType, blank=True, related_name="+", verbose_name=_("excludes in the same period"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["programme", "assistance_type"]
        verbose_name = _("entitlement rule")
        verbose_name_plural = _("entitlement rules")

    def __str__(self) -> str:
        return f"{self.programme.code} · {self.assistance_type.code}"


class Warehouse(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="warehouses", editable=False,
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("commune"))

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class StockBalance(models.Model):
    """The running quantity of an item in a warehouse; the database refuses a negative one."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, default=0)

    class Meta:
        ordering = ["warehouse", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="assistance_balance_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="assistance_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.item_id}: {self.quantity}"


class StockMovement(models.Model):
    """Append-only: the balance is always the sum of these (the reconciliation checks it)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        DELIVERY = "delivery", _("delivery")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")
        LOSS = "loss", _("loss")

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    # Signed: receipts and transfers in add, deliveries, transfers out and losses take away.
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    moved_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    delivery = models.ForeignKey("Delivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-moved_on", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="assistance_movement_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind="loss") | ~Q(reason=""), name="assistance_loss_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"


class Distribution(models.Model):
    """A planned delivery event at a site and date; its states are in `lifecycle`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        IN_PROGRESS = "in_progress", _("in progress")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="distributions",
                                     editable=False, verbose_name=_("organisation"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("programme"))
    title = models.CharField(_("title"), max_length=160)
    planned_on = models.DateField(_("date"))
    site = models.CharField(_("site"), max_length=160)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("commune"))
    types = models.ManyToManyField(AssistanceType, related_name="+", verbose_name=_("assistance types"))
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The registry filters the target list was built from (codes only, never names).
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)

    class Meta:
        ordering = ["-planned_on", "-pk"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return self.title


class DistributionTarget(models.Model):
    """One person expected at a distribution, and what happened to them on the day."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("expected")
        DELIVERED = "delivered", _("delivered")
        NO_SHOW = "no_show", _("did not come")
        REFUSED = "refused", _("refused")

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["distribution", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "person"], name="assistance_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}/{self.person_id}: {self.status}"


class Delivery(models.Model):
    """One assistance given to one person or one household."""

    class Source(models.TextChoices):
        WEB = "web", _("web form")
        SYNC = "sync", _("offline sync")
        KOBO = "kobo", _("KoboCollect / ODK")
        DEMO = "demo", _("demo")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deliveries",
                                     editable=False, verbose_name=_("partner"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("programme"))
    assistance_type = models.ForeignKey(AssistanceType, on_delete=models.PROTECT, related_name="deliveries",
                                        verbose_name=_("assistance type"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="deliveries", verbose_name=_("person"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="deliveries", verbose_name=_("household"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=1)
    value = models.DecimalField(_("value (MAD)"), **MONEY)
    delivered_on = models.DateField(_("date"), db_index=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("commune"))
    site = models.CharField(_("site"), max_length=160, blank=True)
    distribution = models.ForeignKey(Distribution, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="deliveries")
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # The client's id (offline UUID, Kobo instanceID): a replay is one delivery.
    client_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    # Keyed hash of the body first received under client_uuid: another body is a 409.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    # Set when an authorised role delivered despite a rule; the codes of the rules broken.
    override_reason = models.TextField(_("reason for the override"), blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    broken_rules = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "client_uuid"],
                                    name="assistance_delivery_unique_client_uuid"),
            models.CheckConstraint(
                condition=(Q(person__isnull=False, household__isnull=True)
                           | Q(person__isnull=True, household__isnull=False)),
                name="assistance_delivery_person_xor_household",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="assistance_delivery_quantity_positive"),
            models.CheckConstraint(condition=Q(value__gte=0), name="assistance_delivery_value_not_negative"),
        ]
        indexes = [
            models.Index(fields=["organisation", "delivered_on"]),
            models.Index(fields=["person", "assistance_type", "delivered_on"]),
            models.Index(fields=["household", "assistance_type", "delivered_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.assistance_type.code} {self.delivered_on}"


class Referral(models.Model):
    """Medical assistance: a person referred to a health facility, with the cost covered."""

    class MedicalCategory(models.TextChoices):
        PRIMARY = "primary", _("primary care")
        MATERNAL = "maternal", _("maternal and newborn health")
        CHRONIC = "chronic", _("chronic disease")
        EMERGENCY = "emergency", _("emergency")
        MENTAL = "mental", _("mental health and psychosocial support")
        MEDICATION = "medication", _("medication")
        OTHER = "other", _("other care")

    class Status(models.TextChoices):
        REFERRED = "referred", _("referred")
        ATTENDED = "attended", _("attended")
        CLOSED = "closed", _("closed")
        NOT_ATTENDED = "not_attended", _("not attended")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals",
                                     editable=False, verbose_name=_("partner"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("programme"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals",
                               verbose_name=_("person"))
    facility = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_received",
                                 limit_choices_to={"kind": Organisation.Kind.HEALTH_FACILITY},
                                 verbose_name=_("health facility"))
    category = models.CharField(_("category"), max_length=12, choices=MedicalCategory.choices)
    referred_on = models.DateField(_("referred on"), db_index=True)
    cost_covered = models.DecimalField(_("cost covered (MAD)"), **MONEY, default=0)
    proof_reference = models.CharField(_("proof of service (receipt or invoice number)"), max_length=80,
                                       blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.REFERRED)
    status_changed_on = models.DateField(null=True, blank=True)
    clinical_notes = EncryptedTextField(_("clinical notes"), blank=True)
    # The medical-assistance delivery this referral counts as.
    delivery = models.OneToOneField(Delivery, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="referral")
    # Who sent it, and on what basis it left the association (consent, or an audited override).
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    sharing_basis = models.CharField(max_length=12, default="consent")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=Q(cost_covered__gte=0), name="assistance_referral_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class ReferralShare(models.Model):
    """A referral shared with another organisation, and the basis for it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("shared with"))
    basis = models.CharField(max_length=12)  # "consent" or "override"
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "organisation"], name="assistance_share_unique"),
            models.CheckConstraint(condition=Q(basis="consent") | ~Q(reason=""), name="assistance_override_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.organisation_id}"


# Sex values an entitlement rule may name (kept here so forms and the evaluator agree).
SEX_VALUES = [value for value, _label in Sex.choices]


def proof_path(instance: ReferralProof, filename: str) -> str:
    # A random stored name under the private media root (never web-served); the user's
    # file name is kept only as a label.
    return f"assistance/proofs/{instance.stored_token}.bin"


class ReferralProof(models.Model):
    """A scan or photo of a referral's proof of service (receipt, invoice): medical data."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="proofs",
                                 verbose_name=_("referral"))
    file = models.FileField(_("file"), upload_to=proof_path, max_length=255)
    stored_token = models.CharField(max_length=64, unique=True, editable=False)
    # Encrypted like intake's file names: a receipt is often saved under the patient's name.
    original_name = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["referral", "-uploaded_at", "-pk"]
        verbose_name = _("proof of service")
        verbose_name_plural = _("proofs of service")

    def __str__(self) -> str:
        # Never the uploaded name (it may be the person's): admin, logs and errors print this.
        return f"proof-{self.pk}"
