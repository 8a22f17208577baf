"""Forms of the vendor contract pages (programme staff)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.accounts.models import User
from himaya.organisations.models import Organisation
from himaya.reference.models import Region
from himaya.vouchers.models import Category, VendorContract

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VendorForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("A short identifier, e.g. epicerie-oujda-2; it cannot change later."))
    name_fr = forms.CharField(label=_("Name (French)"), max_length=255)
    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=255, required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    categories = forms.MultipleChoiceField(label=_("Categories accepted"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateField(label=_("Contract from"), widget=DATE, required=False)
    valid_until = forms.DateField(label=_("Contract until"), widget=DATE, required=False)
    regions = forms.ModelMultipleChoiceField(label=_("Regions served"), queryset=Region.objects.all(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    partner = forms.ModelChoiceField(
        label=_("Partner association"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.PARTNER, is_active=True),
        help_text=_("The association the contract was signed with; empty for the mission."))
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]

    @classmethod
    def initial_for(cls, contract: VendorContract) -> dict[str, Any]:
        vendor = contract.vendor
        return {"name_fr": vendor.name_fr, "name_ar": vendor.name_ar, "region": vendor.region_id,
                "address": vendor.address, "phone": vendor.phone, "categories": contract.categories,
                "valid_from": contract.valid_from, "valid_until": contract.valid_until,
                "regions": list(contract.regions.values_list("pk", flat=True)), "partner": contract.partner_id,
                "signed_on": contract.signed_on, "active": contract.active, "notes": contract.notes}


class VendorUserForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("ar", "العربية"), ("en", "English")])


class VendorTokenForm(StyledForm):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("e.g. the till it is for."))

    def __init__(self, *args: Any, vendor: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(membership__organisation=vendor, is_active=True)
