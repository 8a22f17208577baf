"""A programme's results framework: outcomes, outputs, indicators, periods, targets, values.

An indicator is computed from the records by a definition stored as data (a `kind` and its
parameters, interpreted by `himaya.monitoring.measures`), or entered by hand with its
evidence when no record exists. Nothing here holds personal data: only codes and figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Programme
from himaya.reference.translation import localized


class Dimension(models.TextChoices):
    """The disaggregations an indicator may be broken down by."""

    SEX = "sex", _("sex")
    AGE_GROUP = "age_group", _("age group")
    NATIONALITY = "nationality", _("nationality")
    REGION = "region", _("region")
    PARTNER = "partner", _("partner association")
    VULNERABILITY = "vulnerability", _("vulnerability")


class ReportingPeriod(models.Model):
    """A period a programme reports on (a year, a semester); targets and values attach to it."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reporting_periods",
        verbose_name=_("programme"),
    )
    label = models.CharField(_("label"), max_length=40)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["programme", "start"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["programme", "label"], name="monitoring_period_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="monitoring_period_order"),
        ]

    def __str__(self) -> str:
        return self.label


class TitledInThreeLanguages(models.Model):
    code = models.CharField(_("code"), max_length=20)
    title_fr = models.CharField(_("title (French)"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        return localized(self, "title")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Outcome(TitledInThreeLanguages):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("programme")
    )

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="monitoring_outcome_unique"),
        ]


class Output(TitledInThreeLanguages):
    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("outcome")
    )

    class Meta:
        ordering = ["outcome", "order", "code"]
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "code"], name="monitoring_output_unique"),
        ]


# Units that say an indicator is money, not a count of anyone.
MONEY_UNITS = frozenset({"MAD", "mad"})


class Indicator(TitledInThreeLanguages):
    class Method(models.TextChoices):
        COMPUTED = "computed", _("computed from the records")
        MANUAL = "manual", _("entered by hand with evidence")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("programme")
    )
    # An indicator measures an outcome, or an output under it (then `outcome` is the output's).
    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators",
        verbose_name=_("outcome"),
    )
    output = models.ForeignKey(
        Output, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators",
        verbose_name=_("output"),
    )
    unit = models.CharField(_("unit"), max_length=40, default="count")
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=0)
    end_target = models.DecimalField(
        _("end-of-programme target"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.COMPUTED
    )
    # {"kind": "deliveries", "types": ["food-kit"]}: see measures.KINDS for what is allowed.
    definition = models.JSONField(_("definition"), default=dict, blank=True)
    disaggregations = models.JSONField(_("disaggregations"), default=list, blank=True)
    # Medical and protection figures are published with the higher threshold (P18).
    sensitive = models.BooleanField(
        _("medical or protection figure"), default=False,
        help_text=_("Published breakdowns hide groups of fewer than ten instead of five."),
    )
    # For a hand-entered indicator: whether it counts people (then small values are hidden
    # from outsiders). A computed one knows from its kind.
    counts_people = models.BooleanField(
        _("counts people"), default=True,
        help_text=_("Small values of an indicator that counts people are not shown to outsiders."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="monitoring_indicator_unique"),
        ]

    @property
    def is_computed(self) -> bool:
        return self.method == self.Method.COMPUTED

    @property
    def is_about_people(self) -> bool:
        if self.unit in MONEY_UNITS:
            # Money is not a count of anyone; money delivered and voucher values go to
            # outsiders through the release, with the count they add up, and hand-entered
            # money rounded (monitoring/release.py, queries.py, decision 0702).
            return False
        if self.is_computed:
            from himaya.monitoring.measures import KINDS

            kind = KINDS.get(self.definition.get("kind", ""))
            return kind.about_people if kind else True
        return self.counts_people


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="targets")
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["indicator", "period__start"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="monitoring_target_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="monitoring_target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value}"


class ManualValue(models.Model):
    """The value of a hand-entered indicator for a period, and what proves it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_values")
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="manual_values"
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    evidence = models.TextField(
        _("evidence"), help_text=_("Where the figure comes from: document, survey, reference.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("value entered by hand")
        verbose_name_plural = _("values entered by hand")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="monitoring_manual_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="monitoring_manual_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value}"


class NarrativeSection(models.Model):
    """A section of the donor report that the programme manager writes."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="narrative_sections"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, null=True, blank=True,
        related_name="narrative_sections", verbose_name=_("period"),
    )
    heading_fr = models.CharField(_("heading (French)"), max_length=200)
    heading_ar = models.CharField(_("heading (Arabic)"), max_length=200, blank=True)
    heading_en = models.CharField(_("heading (English)"), max_length=200, blank=True)
    body_fr = models.TextField(_("text (French)"))
    body_ar = models.TextField(_("text (Arabic)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "order", "pk"]
        verbose_name = _("narrative section")
        verbose_name_plural = _("narrative sections")

    @property
    def heading(self) -> str:
        return localized(self, "heading")

    @property
    def body(self) -> str:
        return localized(self, "body")

    def __str__(self) -> str:
        return self.heading


# --- Aggregates the figures are read from (see himaya/monitoring/aggregates.py) -----------


class AggregateState(models.Model):
    """One row: when the aggregates were last rebuilt, from what, and over which time buckets.

    `cuts` are the dates where a time bucket starts (every 1 January and every reporting
    period's and programme's start and day after end), so that every period and every year
    is a union of whole buckets. `programmes` orders the programmes whose bits the reach
    signatures use. `fingerprint` is what the records looked like when counted."""

    refreshed_at = models.DateTimeField()
    checked_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    cuts = models.JSONField(default=list)
    programmes = models.JSONField(default=list)
    fingerprint = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("results aggregates state")

    def __str__(self) -> str:
        return f"aggregates v{self.version} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class DeliveryCube(models.Model):
    """Deliveries counted and summed per programme, time bucket and every published
    dimension: what the indicator tables and public figures read instead of the records."""

    programme_id = models.IntegerField(db_index=True)
    bucket = models.PositiveSmallIntegerField()
    partner = models.CharField(max_length=40)
    region = models.CharField(max_length=8)
    type_code = models.CharField(max_length=40)
    category = models.CharField(max_length=16)
    modality = models.CharField(max_length=12)
    sex = models.CharField(max_length=12)
    age_group = models.CharField(max_length=8)
    nationality = models.CharField(max_length=8)
    n = models.IntegerField()
    value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("delivery aggregate")

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.bucket}/{self.type_code}: {self.n}"


class ReachCube(models.Model):
    """People (unit "p") and households (unit "h") reached, counted once each per group of
    identical attributes and identical reach signature. The signature has one bit per
    (programme, time bucket) in which the person or household was reached, so distinct
    counts over any union of buckets are exact sums (`signature & mask != 0`)."""

    unit = models.CharField(max_length=1)
    signature = models.BigIntegerField()
    partner = models.CharField(max_length=40)
    region = models.CharField(max_length=8)
    sex = models.CharField(max_length=12)
    nationality = models.CharField(max_length=8)
    birth_year = models.IntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("reach aggregate")

    def __str__(self) -> str:
        return f"{self.unit}/{self.signature}: {self.n}"
