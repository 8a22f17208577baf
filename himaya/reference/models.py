"""Reference data: Morocco's territory, ISO lists, the mission's axes, SNIA programmes, SDGs.

Territory and ISO rows are loaded from maintained packages by `himaya load-reference`;
axes, SNIA programmes and SDG targets ship as data and stay editable in the admin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from himaya.reference.translation import NamedInThreeLanguages, localized


class Region(NamedInThreeLanguages):
    code = models.CharField(_("HCP code"), max_length=2, unique=True)
    population_2024 = models.PositiveIntegerField(_("population (2024 census)"), null=True)
    households_2024 = models.PositiveIntegerField(_("households (2024 census)"), null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Province(NamedInThreeLanguages):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")
        PREFECTURE_OF_ARRONDISSEMENTS = (
            "prefecture_of_arrondissements", _("prefecture of arrondissements")
        )

    code = models.CharField(_("HCP code"), max_length=16, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    population_2024 = models.PositiveIntegerField(_("population (2024 census)"), null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province or prefecture")
        verbose_name_plural = _("provinces and prefectures")


class Commune(NamedInThreeLanguages):
    class Kind(models.TextChoices):
        URBAN = "urban", _("urban")
        RURAL = "rural", _("rural")

    code = models.CharField(_("HCP code"), max_length=16, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="communes")
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    population_2024 = models.PositiveIntegerField(_("population (2024 census)"), null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")


class Country(NamedInThreeLanguages):
    """A country, which is also a nationality (ISO 3166-1)."""

    alpha2 = models.CharField(max_length=2, unique=True)
    alpha3 = models.CharField(max_length=3, unique=True)
    numeric = models.CharField(max_length=3)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class Language(NamedInThreeLanguages):
    """A language (ISO 639-3 code; ISO 639-1 where one exists)."""

    code = models.CharField(max_length=3, unique=True)
    alpha2 = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Currency(NamedInThreeLanguages):
    code = models.CharField(max_length=3, unique=True)
    numeric = models.CharField(max_length=3)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")


class ThematicAxis(NamedInThreeLanguages):
    code = models.SlugField(max_length=40, unique=True)
    description_fr = models.TextField(blank=True)
    description_ar = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("thematic axis")
        verbose_name_plural = _("thematic axes")

    @property
    def description(self) -> str:
        return localized(self, "description")


class SniaProgramme(NamedInThreeLanguages):
    """A programme of the national immigration and asylum strategy (SNIA, 2014)."""

    class Kind(models.TextChoices):
        SECTORAL = "sectoral", _("sectoral")
        CROSS_CUTTING = "cross_cutting", _("cross-cutting")

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("SNIA programme")
        verbose_name_plural = _("SNIA programmes")


class SdgTarget(models.Model):
    """A target of the 2030 Agenda that a programme declares (e.g. 10.7)."""

    code = models.CharField(max_length=8, unique=True)
    goal = models.PositiveSmallIntegerField()
    title_fr = models.TextField()
    title_ar = models.TextField(blank=True)
    title_en = models.TextField(blank=True)

    class Meta:
        ordering = ["goal", "code"]
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")

    @property
    def title(self) -> str:
        return localized(self, "title")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
