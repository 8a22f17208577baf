"""Partner capacity: association profiles and staff, capacity assessments, SNIA
territorialisation roadmaps (objectives, actions, evidence), accompaniment sessions
with their participants and follow-ups, and programme events."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Region, SniaProgramme
from himaya.reference.translation import NamedInThreeLanguages, localized

PARTNERS_ONLY = {"kind": Organisation.Kind.PARTNER}
SCORE_MIN, SCORE_MAX = 1, 4


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")


class AgeGroup(models.TextChoices):
    CHILD = "0-17", _("under 18")
    YOUNG = "18-24", _("18–24")
    ADULT = "25-59", _("25–59")
    OLDER = "60+", _("60 and over")


# --- Association profiles -------------------------------------------------------------------


class AssociationProfile(models.Model):
    """What an association says about itself; its coordinator keeps it current."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="capacity_profile",
        limit_choices_to=PARTNERS_ONLY, verbose_name=_("partner association"),
    )
    legal_name = models.CharField(_("legal name"), max_length=255)
    legal_form = models.CharField(_("legal form"), max_length=120, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=80, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    regions_of_work = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions of work")
    )
    areas_of_work = models.ManyToManyField(
        SniaProgramme, blank=True, related_name="+", verbose_name=_("areas of work")
    )
    mission_statement = models.TextField(_("mission statement"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("association profile")
        verbose_name_plural = _("association profiles")

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        if self.organisation_id and self.organisation.kind != Organisation.Kind.PARTNER:
            raise ValidationError({"organisation": _("Only a partner association has a profile.")})


class AssociationStaff(models.Model):
    """A named member of an association's staff: personal data, never shown to outsiders."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="capacity_staff",
        limit_choices_to=PARTNERS_ONLY, verbose_name=_("partner association"),
    )
    full_name = models.CharField(_("full name"), max_length=160)
    position = models.CharField(_("position"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(
        _("age group"), max_length=6, choices=AgeGroup.choices, default=AgeGroup.ADULT
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organisation", "full_name"]
        verbose_name = _("association staff member")
        verbose_name_plural = _("association staff")

    def __str__(self) -> str:
        return self.full_name


# --- Capacity assessments -------------------------------------------------------------------


class AssessmentDomain(NamedInThreeLanguages):
    """One line of the assessment grid; the mission adds or retires domains in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("assessment domain")
        verbose_name_plural = _("assessment domains")


class Assessment(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="capacity_assessments",
        limit_choices_to=PARTNERS_ONLY, verbose_name=_("partner association"),
    )
    assessed_on = models.DateField(_("assessed on"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "assessed_on"]
        verbose_name = _("capacity assessment")
        verbose_name_plural = _("capacity assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "assessed_on"], name="one_assessment_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.assessed_on:%Y-%m-%d}"

    @property
    def average(self) -> Decimal | None:
        scores = [s.score for s in self.scores.all()]
        if not scores:
            return None
        return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"))


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    domain = models.ForeignKey(
        AssessmentDomain, on_delete=models.PROTECT, related_name="scores", verbose_name=_("domain")
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["domain__order"]
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="one_score_per_domain"),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX),
                name="score_within_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.score}"


# --- Roadmaps -------------------------------------------------------------------------------


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    VALIDATED = "validated", _("validated")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    LATE = "late", _("late")
    BLOCKED = "blocked", _("blocked")


class Roadmap(models.Model):
    """An association's roadmap for the territorialisation of the SNIA under a programme."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="capacity_roadmaps",
        limit_choices_to=PARTNERS_ONLY, verbose_name=_("partner association"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="capacity_roadmaps",
        verbose_name=_("programme"),
    )
    title = models.CharField(_("title"), max_length=255)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=RoadmapStatus.choices, default=RoadmapStatus.DRAFT,
        db_index=True,
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("validated by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name_fr", "programme"]
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "programme"], name="one_roadmap_per_programme"
            ),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="roadmap_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        """Objectives and actions change only in draft; a validated plan is reopened first."""
        return self.status == RoadmapStatus.DRAFT


class RoadmapRevision(models.Model):
    """One step of a roadmap's lifecycle, with the comment and a snapshot of the plan."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("roadmap")
    )
    revision = models.PositiveSmallIntegerField(_("revision"))
    from_status = models.CharField(_("from"), max_length=12, choices=RoadmapStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=RoadmapStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["roadmap", "at", "pk"]
        verbose_name = _("roadmap revision")
        verbose_name_plural = _("roadmap revisions")

    def __str__(self) -> str:
        return f"{self.roadmap} r{self.revision}: {self.from_status} → {self.to_status}"


class Objective(models.Model):
    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("roadmap")
    )
    title = models.CharField(_("title"), max_length=255)
    snia_programme = models.ForeignKey(
        SniaProgramme, on_delete=models.PROTECT, related_name="capacity_objectives",
        verbose_name=_("SNIA programme"),
    )
    regional_priority = models.CharField(_("regional priority"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["roadmap", "order", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="actions", verbose_name=_("objective")
    )
    title = models.CharField(_("title"), max_length=255)
    owner = models.ForeignKey(
        AssociationStaff, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions",
        verbose_name=_("owner"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    budget = models.DecimalField(
        _("budget (MAD)"), max_digits=12, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    # Set when the action is marked done: results count completions by period.
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objective", "start", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="action_end_after_start"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="action_progress_percent"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="action_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def roadmap(self) -> Roadmap:
        return self.objective.roadmap

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The end cannot be before the start.")
        if self.status == ActionStatus.DONE and self.progress != 100:
            errors["progress"] = _("An action marked done has a progress of 100.")
        if (
            self.owner_id and self.objective_id
            and self.owner.organisation_id != self.objective.roadmap.organisation_id
        ):
            errors["owner"] = _("The owner must be a staff member of the association.")
        if errors:
            raise ValidationError(errors)


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name is random: the user's file name is kept only as a label.
    return f"capacity/evidence/{instance.stored_token}.bin"


class Evidence(models.Model):
    """A file proving an action's progress, kept outside the web root."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("action")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    stored_token = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=80)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["action", "-uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


# --- Accompaniment --------------------------------------------------------------------------


class Session(models.Model):
    """A coaching session, training or workshop with an association, or a community session."""

    class Kind(models.TextChoices):
        COACHING = "coaching", _("coaching session")
        TRAINING = "training", _("training")
        WORKSHOP = "workshop", _("workshop")
        COMMUNITY = "community", _("community session")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="capacity_sessions",
        limit_choices_to=PARTNERS_ONLY, verbose_name=_("partner association"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True,
        related_name="capacity_sessions", verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    topic = models.CharField(_("topic"), max_length=255)
    facilitator = models.CharField(_("facilitator"), max_length=160)
    materials = models.TextField(_("materials"), blank=True)
    participants = models.ManyToManyField(
        AssociationStaff, through="Attendance", related_name="sessions",
        verbose_name=_("participants"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = _("accompaniment session")
        verbose_name_plural = _("accompaniment sessions")

    def __str__(self) -> str:
        return f"{self.topic} ({self.held_on:%Y-%m-%d})"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    staff = models.ForeignKey(
        AssociationStaff, on_delete=models.CASCADE, related_name="attendance",
        verbose_name=_("participant"),
    )
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="one_attendance_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.staff}"


class Headcount(models.Model):
    """Participants of a community session, counted by sex and age group, without names."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="headcounts", verbose_name=_("session")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("age group"), max_length=6, choices=AgeGroup.choices)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sex", "age_group"], name="one_headcount_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.sex} {self.age_group}: {self.count}"


class FollowUp(models.Model):
    """Something agreed in a session; it may become an action of the association's roadmap."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("session")
    )
    description = models.CharField(_("description"), max_length=255)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    action = models.OneToOneField(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_follow_up",
        verbose_name=_("roadmap action"),
    )

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.description


# --- Events ---------------------------------------------------------------------------------


class Event(models.Model):
    """A programme event (launch, regional workshop, closing ceremony)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="capacity_events",
        verbose_name=_("programme"),
    )
    title_fr = models.CharField(_("title (French)"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    participants_women = models.PositiveIntegerField(_("women participants"), default=0)
    participants_men = models.PositiveIntegerField(_("men participants"), default=0)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start")
        ]

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def participants_total(self) -> int:
        return self.participants_women + self.participants_men

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("event")
    )
    starts_at = models.TimeField(_("time"))
    title = models.CharField(_("item"), max_length=255)
    # Speakers speak in public at the event: their names are public, unlike association staff.
    speakers = models.CharField(_("speakers"), max_length=255, blank=True)

    class Meta:
        ordering = ["event", "starts_at"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")

    def __str__(self) -> str:
        return self.title
