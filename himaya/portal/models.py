"""The public site's pages and news, written in French, Arabic and English in the admin."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from himaya.reference.translation import localized


class Page(models.Model):
    class Section(models.TextChoices):
        ABOUT = "about", _("Who we are")
        WORK = "work", _("Our work")
        DATA = "data", _("Data and resources")

    section = models.CharField(_("section"), max_length=16, choices=Section.choices, unique=True)
    title_fr = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200, blank=True)
    title_en = models.CharField(max_length=200, blank=True)
    body_fr = models.TextField(help_text=_("Plain text; blank lines separate paragraphs."))
    body_ar = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def body(self) -> str:
        return localized(self, "body")

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """A news item or an event announcement."""

    class Kind(models.TextChoices):
        NEWS = "news", _("news")
        EVENT = "event", _("event")

    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NEWS)
    title_fr = models.CharField(max_length=255)
    title_ar = models.CharField(max_length=255, blank=True)
    title_en = models.CharField(max_length=255, blank=True)
    summary_fr = models.TextField(blank=True)
    summary_ar = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    body_fr = models.TextField()
    body_ar = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    published_on = models.DateField(_("published on"))
    is_published = models.BooleanField(_("published"), default=False)
    event_starts_at = models.DateTimeField(_("event starts"), null=True, blank=True)
    event_ends_at = models.DateTimeField(_("event ends"), null=True, blank=True)
    event_place = models.CharField(_("event place"), max_length=200, blank=True)
    # The programme event this article announces; the portal (a higher layer) points down to
    # capacity, never the other way round.
    event = models.ForeignKey(
        "capacity.Event", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="articles", verbose_name=_("programme event"),
    )

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def summary(self) -> str:
        return localized(self, "summary")

    @property
    def body(self) -> str:
        return localized(self, "body")

    def __str__(self) -> str:
        return self.title
