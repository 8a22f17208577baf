from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.monitoring import measures
from himaya.monitoring.models import Dimension, Indicator, Outcome, Output, ReportingPeriod


class IndicatorForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=255)
    title_ar = forms.CharField(label=_("Title (Arabic)"), max_length=255, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=255, required=False)
    outcome = forms.ModelChoiceField(label=_("Outcome"), queryset=Outcome.objects.none(),
                                     required=False)
    output = forms.ModelChoiceField(label=_("Output"), queryset=Output.objects.none(),
                                    required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, initial="count")
    baseline = forms.DecimalField(label=_("Baseline"), min_value=0, initial=0)
    end_target = forms.DecimalField(label=_("End-of-programme target"), min_value=0,
                                    required=False)
    method = forms.ChoiceField(label=_("Method"), choices=Indicator.Method.choices)
    definition = forms.CharField(
        label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('For a computed indicator, e.g. {"kind": "deliveries", "types": ["food-kit"]}. '
                    "Kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(measures.KINDS))},
    )
    disaggregations = forms.MultipleChoiceField(
        label=_("Disaggregations"), choices=Dimension.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sensitive = forms.BooleanField(label=_("Medical or protection figure"), required=False)
    counts_people = forms.BooleanField(
        label=_("Counts people (for an indicator entered by hand)"), required=False, initial=True)

    def __init__(self, *args: Any, programme: Any, periods: list[ReportingPeriod],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = Outcome.objects.filter(programme=programme)
        self.fields["output"].queryset = Output.objects.filter(outcome__programme=programme)
        self.periods = periods
        for period in periods:
            self.fields[f"target_{period.pk}"] = forms.DecimalField(
                label=_("Target %(period)s") % {"period": period.label}, min_value=0,
                required=False, widget=forms.NumberInput(attrs={"class": "form-control"}),
            )

    def clean_definition(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("definition") or ""
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise forms.ValidationError(
                _("The definition is not valid JSON: write it as in the example.")
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("method") == Indicator.Method.COMPUTED and "definition" in data:
            try:
                data["definition"] = measures.validate_definition(data["definition"])
            except measures.DefinitionError as error:
                self.add_error("definition", str(error))
        return data


class ManualValueForm(StyledForm):
    period = forms.ModelChoiceField(label=_("Period"), queryset=ReportingPeriod.objects.none())
    value = forms.DecimalField(label=_("Value"), min_value=0)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Where the figure comes from: document, survey, reference."))

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = ReportingPeriod.objects.filter(programme=programme)


class PeriodForm(StyledForm):
    label = forms.CharField(label=_("Label"), max_length=40)
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))


class NarrativeForm(StyledForm):
    period = forms.ModelChoiceField(label=_("Period"), queryset=ReportingPeriod.objects.none(),
                                    required=False, empty_label=_("Whole programme"))
    heading_fr = forms.CharField(label=_("Heading (French)"), max_length=200)
    body_fr = forms.CharField(label=_("Text (French)"), widget=forms.Textarea(attrs={"rows": 6}))
    heading_en = forms.CharField(label=_("Heading (English)"), max_length=200, required=False)
    body_en = forms.CharField(label=_("Text (English)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 6}))
    heading_ar = forms.CharField(label=_("Heading (Arabic)"), max_length=200, required=False)
    body_ar = forms.CharField(label=_("Text (Arabic)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 6, "dir": "rtl"}))
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = ReportingPeriod.objects.filter(programme=programme)
