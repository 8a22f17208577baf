"""Fields held in French, Arabic and English, and picking the one to show."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language

LANGUAGE_CODES = ("fr", "ar", "en")


def current_language() -> str:
    code = (get_language() or "fr").split("-")[0]
    return code if code in LANGUAGE_CODES else "fr"


def localized(obj: object, field: str, language: str | None = None) -> str:
    """The value of `<field>_<lang>` in the active language, falling back to French then English."""
    language = language or current_language()
    for code in (language, "fr", "en", "ar"):
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return value
    return ""


class NamedInThreeLanguages(models.Model):
    name_fr = models.CharField("nom (français)", max_length=255)
    name_ar = models.CharField("الاسم (العربية)", max_length=255, blank=True)
    name_en = models.CharField("name (English)", max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name
