"""Forms of the capacity pages; choices are always limited to what the user's association owns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm, StyledModelForm
from himaya.capacity.lifecycle import ROADMAP_TRANSITIONS
from himaya.capacity.models import (
    SCORE_MAX,
    SCORE_MIN,
    Action,
    ActionStatus,
    AgeGroup,
    AssessmentDomain,
    AssociationProfile,
    AssociationStaff,
    Objective,
    Roadmap,
    RoadmapStatus,
    Session,
    Sex,
)
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import SniaProgramme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProfileForm(StyledModelForm):
    class Meta:
        model = AssociationProfile
        fields = [
            "legal_name", "legal_form", "registration_number", "founded_on", "regions_of_work",
            "areas_of_work", "mission_statement", "contact_email", "contact_phone",
        ]
        widgets = {
            "founded_on": DATE,
            "regions_of_work": forms.CheckboxSelectMultiple,
            "areas_of_work": forms.CheckboxSelectMultiple,
            "mission_statement": forms.Textarea(attrs={"rows": 3}),
        }


class StaffForm(StyledModelForm):
    class Meta:
        model = AssociationStaff
        fields = ["full_name", "position", "sex", "age_group", "email", "phone"]


class AssessmentForm(StyledForm):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.domains = list(AssessmentDomain.objects.filter(is_active=True))
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]
        for domain in self.domains:
            self.fields[f"score_{domain.code}"] = forms.TypedChoiceField(
                label=domain.name, choices=choices, coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[f"evidence_{domain.code}"] = forms.CharField(
                label=_("Evidence for “%(domain)s”") % {"domain": domain.name}, required=False,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control"}),
            )

    def scores(self) -> dict[AssessmentDomain, tuple[int, str]]:
        data = self.cleaned_data
        return {d: (data[f"score_{d.code}"], data[f"evidence_{d.code}"]) for d in self.domains}


class RoadmapForm(StyledModelForm):
    class Meta:
        model = Roadmap
        fields = ["programme", "title", "start", "end"]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(
            agreements__partner=organisation
        ).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data

    def validate_unique(self) -> None:
        # The organisation is not on the form; the service says whether a roadmap exists already.
        pass


class ObjectiveForm(StyledModelForm):
    class Meta:
        model = Objective
        fields = ["title", "snia_programme", "regional_priority"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["snia_programme"].queryset = SniaProgramme.objects.all()


class ActionForm(StyledModelForm):
    class Meta:
        model = Action
        fields = ["title", "owner", "start", "end", "budget"]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = AssociationStaff.objects.filter(
            organisation=organisation, is_active=True
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data

    def _post_clean(self) -> None:
        # Model validation needs the objective, which the service sets; skip it here.
        pass


class ActionProgressForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class EvidenceForm(StyledForm):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, PNG, JPEG, DOCX or XLSX, at most 10 MB."),
    )


class TransitionForm(StyledForm):
    transition = forms.ChoiceField(
        label=_("Step"), choices=[(t.name, t.label) for t in ROADMAP_TRANSITIONS.values()]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


HEADCOUNT_CELLS = [(sex, age) for sex in Sex.values for age in AgeGroup.values]


def headcount_field_name(sex: str, age: str) -> str:
    return f"count_{sex}_{age.replace('-', '_').replace('+', 'plus')}"


class SessionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Session.Kind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    topic = forms.CharField(label=_("Topic"), max_length=255)
    facilitator = forms.CharField(label=_("Facilitator"), max_length=160)
    materials = forms.CharField(
        label=_("Materials"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none(),
                                       required=False)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants (association staff)"), queryset=AssociationStaff.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(
            agreements__partner=organisation
        ).distinct()
        self.fields["participants"].queryset = AssociationStaff.objects.filter(
            organisation=organisation, is_active=True
        )
        sexes = dict(Sex.choices)
        ages = dict(AgeGroup.choices)
        for sex, age in HEADCOUNT_CELLS:
            self.fields[headcount_field_name(sex, age)] = forms.IntegerField(
                label=_("%(sex)s, %(age)s") % {"sex": sexes[sex], "age": ages[age]},
                min_value=0, required=False,
            )
        self.headcount_names = [headcount_field_name(s, a) for s, a in HEADCOUNT_CELLS]

    def headcounts(self) -> dict[tuple[str, str], int]:
        return {
            (sex, age): self.cleaned_data.get(headcount_field_name(sex, age)) or 0
            for sex, age in HEADCOUNT_CELLS
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_valid_so_far() and not data.get("participants") and not any(
            self.headcounts().values()
        ):
            raise forms.ValidationError(
                _("Name the participants, or count them by sex and age group.")
            )
        return data

    def is_valid_so_far(self) -> bool:
        return not any(name in self.errors for name in self.headcount_names)


class FollowUpForm(StyledForm):
    description = forms.CharField(label=_("Follow-up action"), max_length=255)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)


class PromoteForm(StyledForm):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=Objective.objects.none())
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    budget = forms.DecimalField(label=_("Budget (MAD)"), min_value=0, max_digits=12,
                                decimal_places=2, initial=0)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.filter(
            roadmap__organisation=organisation, roadmap__status=RoadmapStatus.DRAFT
        ).select_related("roadmap")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data
