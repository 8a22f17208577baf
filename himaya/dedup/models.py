"""Runs, candidate pairs, reviewers' decisions and merges.

No identifier is stored here in clear: a pair holds two person ids, a weight and
which comparison level each field reached ("same day", "one year apart"), never
the names or numbers compared. A merge keeps, encrypted, the state of every row
it changed, so that un-merging restores both records exactly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation, Programme
from himaya.registry.fields import EncryptedTextField
from himaya.registry.models import Person


class DedupRun(models.Model):
    """One pass of the matching engine over the whole registry or one partner's caseload."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started by"),
    )
    # Empty: the whole registry (the mission's data-protection officer only).
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("caseload"),
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("programme (for its thresholds)"),
    )
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED)
    model_version = models.CharField(_("model"), max_length=40, blank=True)
    auto_merge = models.FloatField(_("automatic-merge weight"))
    review = models.FloatField(_("review weight"))
    records = models.PositiveIntegerField(_("people compared"), default=0)
    pairs_review = models.PositiveIntegerField(_("pairs to review"), default=0)
    pairs_auto = models.PositiveIntegerField(_("pairs above the automatic-merge weight"), default=0)
    pairs_known = models.PositiveIntegerField(_("pairs already decided"), default=0)
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("deduplication run")
        verbose_name_plural = _("deduplication runs")

    def __str__(self) -> str:
        return f"run {self.pk}"


class ProgrammeThresholds(models.Model):
    """Match-weight thresholds chosen for one programme (defaults: the engine's)."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="+")
    auto_merge = models.FloatField(_("automatic-merge weight"))
    review = models.FloatField(_("review weight"))

    class Meta:
        verbose_name = _("deduplication thresholds")
        verbose_name_plural = _("deduplication thresholds")
        constraints = [
            models.CheckConstraint(condition=Q(review__lte=models.F("auto_merge")),
                                   name="dedup_thresholds_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.review}–{self.auto_merge}"


class NameEquivalent(models.Model):
    """A programme's own line of the equivalents table (decision 0313), after the shipped
    file's (`data/name_equivalents.csv`): spellings the mission meets that the table lacks.

    `group` is a name as people write it; if the table already has it as a group, the
    variants are added to that group. Names only, never a person's.
    """

    group = models.CharField(_("name"), max_length=60)
    variants = models.CharField(_("other spellings"), max_length=500,
                                help_text=_("Separated by |, in Latin or Arabic script."))
    related = models.CharField(_("related names"), max_length=200, blank=True,
                               help_text=_("Linked weakly, not the same name (Fatoumata ~ Fatima)."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("name equivalence")
        verbose_name_plural = _("name equivalences")

    def __str__(self) -> str:
        return f"{self.group}: {self.variants}"

    def as_row(self) -> dict[str, str]:
        return {"group": self.group, "variants": self.variants, "related": self.related}

    @property
    def variants_shown(self) -> str:
        return ", ".join(self.variants.split("|"))

    @property
    def related_shown(self) -> str:
        return ", ".join(filter(None, self.related.split("|")))


class PairStatus(models.TextChoices):
    PENDING = "pending", _("to review")
    SAME = "same", _("same person")
    DIFFERENT = "different", _("different people")
    UNSURE = "unsure", _("unsure")


class CandidatePair(models.Model):
    """Two people who may be one; `person_low` always has the smaller id."""

    class Band(models.TextChoices):
        AUTO = "auto", _("above the automatic-merge weight")
        REVIEW = "review", _("to review")

    class Source(models.TextChoices):
        RUN = "run", _("deduplication run")
        REGISTRATION = "registration", _("registration check")

    class KeptApart(models.TextChoices):
        """Why a pair strong enough to merge was not merged (conflicts.py, clustering.py)."""

        BIRTH_DATES = "birth_dates", _(
            "two of these records have full birth dates that cannot be one person's")
        BIRTH_YEARS = "birth_years", _(
            "two of these records have birth years more than five years apart")
        DOCUMENTS = "documents", _("two of these records have different document numbers")
        DECIDED_DIFFERENT = "decided_different", _(
            "a reviewer judged two of these records to be different people")

    person_low = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_high = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(DedupRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="pairs")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.RUN)
    weight = models.FloatField(_("match weight"), db_index=True)
    band = models.CharField(_("band"), max_length=8, choices=Band.choices, default=Band.REVIEW)
    # [{"field": "birth", "level": "one year apart", "agreement": "partial", "weight": 1.3}]
    detail = models.JSONField(default=list, blank=True)
    # Set when the pair scored at or above the automatic-merge weight but a
    # contradiction kept its two groups apart: it is then in the review band.
    kept_apart = models.CharField(_("kept apart"), max_length=20, choices=KeptApart.choices,
                                  blank=True, default="")
    # The strongest evidence came from a registration merged earlier into one of the two
    # people (aliases.py): the values shown side by side are the current record's.
    through_merged = models.BooleanField(_("found through a merged registration"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=PairStatus.choices,
                              default=PairStatus.PENDING, db_index=True)
    # The two caseloads, kept so that the queue filters without joining people.
    cross_partner = models.BooleanField(_("across partners"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-weight", "pk"]
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        constraints = [
            models.UniqueConstraint(fields=["person_low", "person_high"], name="dedup_pair_unique"),
            models.CheckConstraint(condition=Q(person_low__lt=models.F("person_high")),
                                   name="dedup_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.person_low_id}~{self.person_high_id}"


class Decision(models.Model):
    """A reviewer's judgement on a pair; every one is kept, the last is the pair's status."""

    pair = models.ForeignKey(CandidatePair, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=12, choices=PairStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    automatic = models.BooleanField(_("automatic"), default=False)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.decision}"


class Merge(models.Model):
    """One person absorbed into another; `snapshot` lets `person_unmerge` undo it exactly.

    The absorbed person is kept (never deleted): a code printed on a card still
    finds the record, whose page points to the survivor.
    """

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("kept record"))
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("merged record"))
    pair = models.ForeignKey(CandidatePair, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="merges")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    # How many rows of each kind moved, e.g. {"assistance.delivery": 3}: counts only.
    moved = models.JSONField(default=dict, blank=True)
    # JSON of every changed row's previous state (it may hold identifiers: encrypted).
    snapshot = EncryptedTextField()
    undone_at = models.DateTimeField(_("un-merged at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("un-merged by"),
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            # A person is absorbed at most once at a time.
            models.UniqueConstraint(fields=["absorbed"], condition=Q(undone_at__isnull=True),
                                    name="dedup_merge_absorbed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id}→{self.survivor_id}"

    @property
    def active(self) -> bool:
        return self.undone_at is None


class RegistrationAlert(models.Model):
    """A partner's new registration probably matches someone another partner registered.

    The partner is only told that a possible duplicate exists; the mission's
    data-protection officer sees this alert (and, once the person is saved, the pair).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("registering partner"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    matched = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("possible duplicate"))
    # Keyed hash of the typed name (the registry's name index): links the alert to
    # the person once saved, without storing the name.
    name_index = models.CharField(max_length=64, blank=True, db_index=True)
    weight = models.FloatField(_("match weight"))
    new_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    pair = models.ForeignKey(CandidatePair, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registration alert")
        verbose_name_plural = _("registration alerts")

    def __str__(self) -> str:
        return f"alert {self.pk}"
