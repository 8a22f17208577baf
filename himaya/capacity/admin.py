from django.contrib import admin

from himaya.capacity.models import (
    Action,
    AgendaItem,
    Assessment,
    AssessmentDomain,
    AssessmentScore,
    AssociationProfile,
    AssociationStaff,
    Attendance,
    Event,
    Evidence,
    FollowUp,
    Headcount,
    Objective,
    Roadmap,
    RoadmapRevision,
    Session,
)


@admin.register(AssociationProfile)
class AssociationProfileAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "organisation", "updated_at"]
    search_fields = ["legal_name", "organisation__name_fr"]
    filter_horizontal = ["regions_of_work", "areas_of_work"]


@admin.register(AssociationStaff)
class AssociationStaffAdmin(admin.ModelAdmin):
    list_display = ["full_name", "organisation", "position", "sex", "is_active"]
    list_filter = ["organisation", "sex", "is_active"]
    search_fields = ["full_name"]


@admin.register(AssessmentDomain)
class AssessmentDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "order", "is_active"]
    list_editable = ["order", "is_active"]


class AssessmentScoreInline(admin.TabularInline):
    model = AssessmentScore
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "assessed_on"]
    list_filter = ["organisation"]
    inlines = [AssessmentScoreInline]


@admin.register(AssessmentScore)
class AssessmentScoreAdmin(admin.ModelAdmin):
    list_display = ["assessment", "domain", "score"]
    list_filter = ["domain", "score"]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class RevisionInline(admin.TabularInline):
    model = RoadmapRevision
    extra = 0
    # The lifecycle history is written by services only.
    readonly_fields = ["revision", "from_status", "to_status", "comment", "actor", "at"]
    exclude = ["snapshot"]
    can_delete = False


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "programme", "status", "revision"]
    list_filter = ["status", "programme"]
    # Status moves only through services.roadmap_transition, so that revisions are kept.
    readonly_fields = ["status", "revision", "submitted_at", "validated_at", "validated_by"]
    inlines = [ObjectiveInline, RevisionInline]


@admin.register(RoadmapRevision)
class RoadmapRevisionAdmin(admin.ModelAdmin):
    list_display = ["roadmap", "revision", "from_status", "to_status", "actor", "at"]
    readonly_fields = [f.name for f in RoadmapRevision._meta.fields]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "roadmap", "snia_programme"]
    list_filter = ["snia_programme"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "objective", "start", "end", "budget", "status", "progress"]
    list_filter = ["status"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "action", "content_type", "size", "uploaded_at"]
    # Uploads go through services.evidence_add, which checks type and size.
    readonly_fields = ["action", "file", "original_name", "content_type", "size", "uploaded_by"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


class HeadcountInline(admin.TabularInline):
    model = Headcount
    extra = 0


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["topic", "organisation", "kind", "held_on", "place"]
    list_filter = ["kind", "organisation"]
    inlines = [AttendanceInline, HeadcountInline, FollowUpInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "staff", "attended"]


@admin.register(Headcount)
class HeadcountAdmin(admin.ModelAdmin):
    list_display = ["session", "sex", "age_group", "count"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["description", "session", "due_on", "action"]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "programme", "starts_at", "place"]
    inlines = [AgendaInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["event", "starts_at", "title"]
