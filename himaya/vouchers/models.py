"""Vouchers, their append-only events, redemptions at vendors and vendors' statements.

The database holds a keyed hash of each code, never the code (see `codes`). The
invariants that money depends on are constraints, so they hold even if code is
wrong: the balance stays between zero and the face value, a redemption takes a
positive amount, an idempotency key is used once per vendor.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation
from himaya.registry.models import Household, Person
from himaya.vouchers.lifecycle import SPENDABLE, Status

MONEY = {"max_digits": 12, "decimal_places": 2}


class Category(models.TextChoices):
    FOOD = "food", _("food")
    HYGIENE = "hygiene", _("hygiene")
    MEDICATION = "medication", _("medication")
    BABY = "baby", _("baby items")
    CLOTHING = "clothing", _("clothing")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("voucher events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("voucher events cannot be deleted")


class VendorContract(models.Model):
    """A shop or pharmacy under contract: which categories of voucher it may accept."""

    vendor = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="voucher_contract",
        limit_choices_to={"kind": Organisation.Kind.VENDOR}, verbose_name=_("vendor"),
    )
    categories = models.JSONField(_("categories accepted"), default=list)
    active = models.BooleanField(_("active"), default=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    # The contract's terms as signed: its period, the regions the shop serves, and the
    # partner association it was signed with (empty: the mission, for every partner).
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    regions = models.ManyToManyField(
        "reference.Region", blank=True, related_name="+", verbose_name=_("regions served"),
    )
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="vendor_contracts",
        limit_choices_to={"kind": Organisation.Kind.PARTNER}, verbose_name=_("partner association"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["vendor__name_fr"]
        verbose_name = _("vendor contract")
        verbose_name_plural = _("vendor contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="vendor_contract_period_ordered",
            ),
        ]

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) if c in Category.values else c for c in self.categories]

    def in_force(self, on: object) -> bool:
        """Active and within its period (open ends are open)."""
        return self.active and (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until)

    def __str__(self) -> str:
        return f"{self.vendor.code}: {', '.join(self.categories)}"


class IssueBatch(models.Model):
    """Vouchers issued together (a distribution): what mass-issuance flags look at."""

    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="voucher_batches", editable=False
    )
    label = models.CharField(_("label"), max_length=160, blank=True)
    created_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("issue batch")
        verbose_name_plural = _("issue batches")

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"


class Voucher(models.Model):
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    code_hint = models.CharField(_("code (first group)"), max_length=4, editable=False)
    # The caller's organisation, set by the service: never writable through a form or the API.
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="issued_vouchers", editable=False,
        verbose_name=_("issuing partner"),
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers",
        verbose_name=_("person"),
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers",
        verbose_name=_("household"),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    value = models.DecimalField(_("value (MAD)"), **MONEY)
    balance = models.DecimalField(_("balance (MAD)"), **MONEY)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    # Empty: any vendor whose contract accepts the category.
    vendors = models.ManyToManyField(
        Organisation, blank=True, related_name="vouchers_accepted",
        limit_choices_to={"kind": Organisation.Kind.VENDOR}, verbose_name=_("vendors"),
    )
    batch = models.ForeignKey(
        IssueBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    # The assistance delivery this voucher was given as (a "food voucher" delivery), when
    # issued from a distribution; a reissued voucher keeps the link through `replaces`.
    delivery = models.ForeignKey(
        "assistance.Delivery", null=True, blank=True, on_delete=models.PROTECT,
        related_name="vouchers", verbose_name=_("delivery"),
    )
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False, household__isnull=True)
                           | Q(person__isnull=True, household__isnull=False)),
                name="voucher_person_xor_household",
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="voucher_value_positive"),
            # The ledger's guard: whatever the code does, redemptions never take more
            # than the face value.
            models.CheckConstraint(
                condition=Q(balance__gte=0) & Q(balance__lte=F("value")),
                name="voucher_balance_within_value",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="voucher_valid_until_after_from"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="voucher_status_known"
            ),
        ]
        indexes = [models.Index(fields=["partner", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.code_hint}… {self.value} MAD"

    @property
    def is_spendable(self) -> bool:
        return self.status in SPENDABLE

    @property
    def redeemed_amount(self) -> Decimal:
        return self.value - self.balance

    @property
    def beneficiary(self) -> Person | Household | None:
        return self.person or self.household

    @property
    def code_masked(self) -> str:
        return f"{self.code_hint}-····-····-····-····"


class VoucherEvent(models.Model):
    """One change of a voucher, never edited or removed (the voucher's own ledger)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("issued")
        REDEEMED = "redeemed", _("redeemed")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")
        REISSUED = "reissued", _("reissued")

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    balance_after = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=255, blank=True)
    # For "reissued": the new voucher; for "redeemed": the redemption.
    related_voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("voucher event")
        verbose_name_plural = _("voucher events")

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("voucher events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("voucher events cannot be deleted")


class Statement(models.Model):
    """A vendor's redemptions over a period, to be paid by the programme."""

    class Status(models.TextChoices):
        OPEN = "open", _("to be paid")
        PAID = "paid", _("paid")

    vendor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="voucher_statements",
        verbose_name=_("vendor"),
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    total = models.DecimalField(_("total (MAD)"), **MONEY, default=Decimal("0"))
    count = models.PositiveIntegerField(_("redemptions"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)

    class Meta:
        ordering = ["-period_end", "vendor__name_fr", "-pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="statement_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="open", paid_at__isnull=True)
                | Q(status="paid", paid_at__isnull=False),
                name="statement_paid_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.code} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class Redemption(models.Model):
    """A vendor accepting all or part of a voucher."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    vendor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="voucher_redemptions",
        verbose_name=_("vendor"),
    )
    amount = models.DecimalField(_("amount (MAD)"), **MONEY)
    balance_after = models.DecimalField(_("balance after (MAD)"), **MONEY)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=128)
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="redemption_balance_after_not_negative"),
            # A retry with the same key finds the first redemption instead of making a second.
            models.UniqueConstraint(
                fields=["vendor", "idempotency_key"], name="redemption_idempotency_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["vendor", "at"])]

    def __str__(self) -> str:
        return f"{self.amount} MAD @ {self.vendor_id} {self.at:%Y-%m-%d %H:%M}"

    @property
    def receipt_number(self) -> str:
        return f"R{self.pk:08d}"


class LookupFailure(models.Model):
    """A code a vendor typed that was forged, altered or unknown: counted to rate-limit guessing.

    A table rather than the cache, so the limit holds across every server process.
    """

    vendor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["vendor", "at"])]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.reason} {self.at:%H:%M:%S}"
