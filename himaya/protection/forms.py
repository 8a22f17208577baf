"""Forms of the erasure pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.protection.models import ErasureRequest
from himaya.registry import codes
from himaya.registry.models import Person

EXPLANATION_HELP = _("Why, in a few words. Do not write the person's name, phone or document number.")


class ErasureRecordForm(StyledForm):
    person_code = forms.CharField(label=_("person's code"), max_length=20)
    received_on = forms.DateField(label=_("received on"), initial=timezone.localdate,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("channel"), choices=ErasureRequest.Channel.choices)
    explanation = forms.CharField(label=_("explanation"), required=False, help_text=EXPLANATION_HELP,
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.person: Person | None = None

    def clean_person_code(self) -> str:
        raw = self.cleaned_data["person_code"]
        code = codes.normalise(raw)
        # Only people the officer may see: anyone else's code is simply unknown.
        self.person = self.people.filter(code=code).first() if codes.is_valid(raw) else None
        if self.person is None:
            raise forms.ValidationError(_("No person with this code."))
        return code

    def clean_received_on(self) -> Any:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A request cannot be received in the future."))
        return value


class ErasureDecideForm(StyledForm):
    decision = forms.ChoiceField(label=_("decision"), choices=ErasureRequest.Decision.choices,
                                 widget=forms.RadioSelect)
    refusal_ground = forms.ChoiceField(
        label=_("ground for refusing"), required=False,
        choices=[("", "—"), *ErasureRequest.RefusalGround.choices],
        help_text=_("Needed when the request is refused, in full or in part."),
    )
    explanation = forms.CharField(label=_("explanation"), required=False, help_text=EXPLANATION_HELP,
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if decision and decision != ErasureRequest.Decision.ERASE and not data.get("refusal_ground"):
            self.add_error("refusal_ground", _("Say on which ground the request is refused."))
        if data.get("refusal_ground") == ErasureRequest.RefusalGround.OTHER and not data.get("explanation"):
            self.add_error("explanation", _("Explain the ground."))
        return data
