"""The mission, donors, government counterparts, partner associations, vendors, health
facilities; programmes and the agreements that bind a partner to a programme."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from himaya.reference.models import (
    Commune,
    Currency,
    Region,
    SdgTarget,
    SniaProgramme,
    ThematicAxis,
)
from himaya.reference.translation import NamedInThreeLanguages, localized


class Organisation(NamedInThreeLanguages):
    class Kind(models.TextChoices):
        MISSION = "mission", _("mission")
        DONOR = "donor", _("donor")
        GOVERNMENT = "government", _("government counterpart")
        PARTNER = "partner", _("partner association")
        VENDOR = "vendor", _("vendor")
        HEALTH_FACILITY = "health_facility", _("health facility")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region"),
        related_name="organisations",
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("commune"),
        related_name="organisations",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name_fr"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def clean(self) -> None:
        if self.commune_id and self.region_id and self.commune.region_id != self.region_id:
            raise ValidationError({"commune": _("The commune is not in the region.")})


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    description_fr = models.TextField(blank=True)
    description_ar = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    lead = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_programmes",
        limit_choices_to={"kind": Organisation.Kind.MISSION}, verbose_name=_("lead organisation"),
    )
    donors = models.ManyToManyField(
        Organisation, related_name="funded_programmes",
        limit_choices_to={"kind": Organisation.Kind.DONOR}, verbose_name=_("donors"),
    )
    counterparts = models.ManyToManyField(
        Organisation, blank=True, related_name="counterpart_programmes",
        limit_choices_to={"kind": Organisation.Kind.GOVERNMENT},
        verbose_name=_("government counterparts"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    regions = models.ManyToManyField(Region, related_name="programmes", verbose_name=_("regions"))
    axis = models.ForeignKey(
        ThematicAxis, on_delete=models.PROTECT, related_name="programmes",
        verbose_name=_("thematic axis"),
    )
    sdg_targets = models.ManyToManyField(
        SdgTarget, blank=True, related_name="programmes", verbose_name=_("SDG targets")
    )
    snia_programmes = models.ManyToManyField(
        SniaProgramme, blank=True, related_name="programmes", verbose_name=_("SNIA programmes")
    )
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("currency"),
    )

    class Meta:
        ordering = ["-start", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="programme_end_after_start")
        ]

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Agreement(models.Model):
    """A partner association's agreement (convention) under a programme."""

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements",
        limit_choices_to={"kind": Organisation.Kind.PARTNER}, verbose_name=_("partner association"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("programme")
    )
    regions = models.ManyToManyField(Region, related_name="agreements", verbose_name=_("regions"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "partner__name_fr", "start"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="agreement_end_after_start")
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        errors = {}
        if self.partner_id and self.partner.kind != Organisation.Kind.PARTNER:
            errors["partner"] = _("Only a partner association can sign an agreement.")
        if (
            self.programme_id and self.start and self.end
            and (self.start < self.programme.start or self.end > self.programme.end)
        ):
            errors["end"] = _("The agreement must fall within the programme's period.")
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The end cannot be before the start.")
        if errors:
            raise ValidationError(errors)
