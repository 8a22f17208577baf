from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.dedup.models import CandidatePair, PairStatus
from himaya.organisations.models import Organisation, Programme
from himaya.registry.models import Person


class QueueFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("all"))] + list(PairStatus.choices))
    band = forms.ChoiceField(label=_("Band"), required=False,
                             choices=[("", _("all"))] + list(CandidatePair.Band.choices))
    cross = forms.ChoiceField(label=_("Across partners"), required=False, choices=[
        ("", _("all")), ("yes", _("across partners")), ("no", _("within one partner"))])
    min_weight = forms.FloatField(label=_("Weight at least"), required=False)

    @staticmethod
    def defaults() -> dict[str, Any]:
        return {"status": PairStatus.PENDING, "band": "", "cross": "", "min_weight": None}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["status"] = PairStatus.PENDING


class DecideForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (PairStatus.SAME, _("Same person: merge")),
        (PairStatus.DIFFERENT, _("Different people")),
        (PairStatus.UNSURE, _("Unsure")),
    ])
    keep = forms.ChoiceField(label=_("Record to keep (if same person)"), required=False)

    def __init__(self, *args: Any, pair: CandidatePair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pair = pair
        self.fields["keep"].choices = [
            (str(p.pk), p.code_display) for p in (pair.person_low, pair.person_high)]
        self.initial.setdefault("keep", str(pair.person_low_id))

    def survivor(self) -> Person:
        keep = self.cleaned_data.get("keep")
        return self.pair.person_high if keep == str(self.pair.person_high_id) else self.pair.person_low


class RunForm(StyledForm):
    organisation = forms.ModelChoiceField(
        label=_("Caseload"), required=False, empty_label=_("The whole registry"),
        queryset=Organisation.objects.filter(
            kind__in=[Organisation.Kind.PARTNER, Organisation.Kind.MISSION]),
    )
    programme = forms.ModelChoiceField(label=_("Programme (for its thresholds)"), required=False,
                                       queryset=Programme.objects.all())

    def __init__(self, *args: Any, whole_registry: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not whole_registry:
            # A coordinator runs over its own caseload only: no choice to make.
            del self.fields["organisation"]


class MergeStrongForm(StyledForm):
    confirm = forms.BooleanField(
        label=_("I have looked at the weakest of these pairs, and every group is one person"),
        required=True)


class ThresholdsForm(StyledForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.order_by("code"))
    auto_merge = forms.FloatField(label=_("Automatic-merge weight"))
    review = forms.FloatField(label=_("Review from weight"))
    reset = forms.BooleanField(label=_("Back to the engine's defaults"), required=False)


class NameEquivalentForm(StyledForm):
    group = forms.CharField(label=_("Name"), max_length=60,
                            help_text=_("As people write it, e.g. Kadiatou."))
    variants = forms.CharField(label=_("Other spellings of this name"), max_length=500,
                               help_text=_("Separated by commas, in Latin or Arabic script: "
                                           "Kadi, Khadiatou, كادياتو."))
    related = forms.CharField(label=_("Related names (optional)"), max_length=200, required=False,
                              help_text=_("Names often used for the same person but not the same "
                                          "name (Kadiatou ~ Khadija): weaker evidence."))
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False,
                           help_text=_("Where this was seen. Never a person's name or code."))


class NameTryForm(StyledForm):
    name = forms.CharField(label=_("Try a name"), max_length=120)


class NameImportForm(StyledForm):
    file = forms.FileField(label=_("A CSV file of names"),
                           help_text=_("Columns group,variants,related (and note), one name per "
                                       "line, other spellings separated by |: the format of the "
                                       "export below."))
