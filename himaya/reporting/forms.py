from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.monitoring.models import ReportingPeriod


class DonorReportForm(StyledForm):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), required=False,
        empty_label=_("Whole programme"),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("en", "English"), ("ar", "العربية")]
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "XLSX")])

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = ReportingPeriod.objects.filter(programme=programme)
