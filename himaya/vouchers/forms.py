from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm, style_fields
from himaya.organisations.models import Organisation
from himaya.registry import codes as registry_codes
from himaya.registry.queries import households_visible_to, people_visible_to
from himaya.vouchers.models import Category

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def contracted_vendors() -> Any:
    return Organisation.objects.filter(
        kind=Organisation.Kind.VENDOR, voucher_contract__active=True
    ).select_related("region").order_by("region__code", "name_fr")


class IssueForm(StyledForm):
    beneficiaries = forms.CharField(
        label=_("People or households"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr", "autocomplete": "off"}),
        help_text=_("Their codes (as on their card, e.g. K7Q2-9XMA-4), one per line: one code issues one voucher, several issue a batch."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.FOOD)
    value = forms.DecimalField(label=_("Value (MAD)"), min_value=1, max_digits=10, decimal_places=2,
                               widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}))
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    vendors = forms.ModelMultipleChoiceField(
        label=_("Only at these vendors"), queryset=Organisation.objects.none(), required=False,
        help_text=_("Leave empty: any vendor whose contract covers the category."),
    )
    label = forms.CharField(label=_("Distribution (label)"), max_length=160, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today + dt.timedelta(days=60)
        self.fields["vendors"].queryset = contracted_vendors()
        self.fields["vendors"].label_from_instance = lambda v: f"{v.name} ({v.region.name if v.region else '—'})"
        style_fields(self)

    def clean_beneficiaries(self) -> list[Any]:
        raw = [c for c in re.split(r"[\s,;]+", self.cleaned_data["beneficiaries"]) if c]
        wanted = []
        for entry in raw:
            code = registry_codes.normalise(entry)
            if not registry_codes.is_valid(code):
                raise ValidationError(_("%(code)s is not a valid code.") % {"code": entry})
            if code not in wanted:
                wanted.append(code)
        people = {p.code: p for p in people_visible_to(self.user).filter(code__in=wanted)}
        households = {h.code: h for h in households_visible_to(self.user).filter(code__in=wanted)}
        missing = [registry_codes.display(c) for c in wanted if c not in people and c not in households]
        if missing:
            raise ValidationError(
                _("No one in your caseload has these codes: %(codes)s.") % {"codes": ", ".join(missing)}
            )
        return [people.get(c) or households[c] for c in wanted]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class CodeForm(StyledForm):
    code = forms.CharField(
        label=_("Voucher code"), max_length=64,
        widget=forms.TextInput(attrs={
            "autofocus": True, "autocomplete": "off", "autocapitalize": "characters",
            "spellcheck": "false", "dir": "ltr", "enterkeyhint": "go", "class": "hm-code-input",
            "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX",
        }),
        help_text=_("Type the code on the voucher, or scan its QR code."),
    )


class RedeemForm(StyledForm):
    code = forms.CharField(widget=forms.HiddenInput, max_length=64)
    key = forms.CharField(widget=forms.HiddenInput, max_length=128)
    amount = forms.DecimalField(
        label=_("Amount to take (MAD)"), min_value=Decimal("0.01"), max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "autofocus": True}),
    )


class StatementForm(StyledForm):
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Organisation.objects.none())
    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)

    def __init__(self, *args: Any, vendors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors
        if vendors.count() == 1:
            self.fields["vendor"].initial = vendors.first().pk
        today = timezone.localdate()
        self.fields["period_start"].initial = today.replace(day=1)
        self.fields["period_end"].initial = today
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("The end cannot be before the start."))
        return data


class PaidForm(StyledForm):
    payment_reference = forms.CharField(label=_("Payment reference"), max_length=80, required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)
