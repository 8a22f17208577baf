"""Forms of the assistance pages; choices are always limited to the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.assistance import queries
from himaya.assistance.models import AssistanceType, Referral, StockMovement
from himaya.organisations.queries import programmes_visible_to
from himaya.reference.models import Commune, Region
from himaya.registry.models import Sex, VulnerabilityCriterion


class DateInput(forms.DateInput):
    input_type = "date"


class ScopedForm(StyledForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "programme" in self.fields:
            self.fields["programme"].queryset = programmes_visible_to(user)
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = queries.warehouses_visible_to(user)


class DeliveryForm(ScopedForm):
    recipient = forms.CharField(label=_("Person or household code"), max_length=20)
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    assistance_type = forms.ModelChoiceField(
        queryset=AssistanceType.objects.filter(active=True).exclude(category="medical"),
        label=_("Assistance type"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, initial=1, max_digits=12, decimal_places=3)
    delivered_on = forms.DateField(label=_("Date"), widget=DateInput)
    commune = forms.ModelChoiceField(queryset=Commune.objects.all(), required=False, label=_("Commune"),
                                     to_field_name="code", widget=forms.TextInput,
                                     help_text=_("HCP code of the commune, if known."))
    site = forms.CharField(label=_("Site"), max_length=160, required=False)
    warehouse = forms.ModelChoiceField(queryset=None, required=False, label=_("Warehouse"),
                                       help_text=_("Where an in-kind kit is taken from."))
    override_reason = forms.CharField(
        label=_("Reason for overriding a rule"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only if a rule refused the delivery and you are authorised to override it."))


class DistributionForm(ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    planned_on = forms.DateField(label=_("Date"), widget=DateInput)
    site = forms.CharField(label=_("Site"), max_length=160)
    commune = forms.ModelChoiceField(queryset=Commune.objects.all(), required=False, label=_("Commune"),
                                     to_field_name="code", widget=forms.TextInput,
                                     help_text=_("HCP code of the commune, if known."))
    types = forms.ModelMultipleChoiceField(
        queryset=AssistanceType.objects.filter(active=True).exclude(category="medical"),
        label=_("Assistance types"), widget=forms.CheckboxSelectMultiple)
    warehouse = forms.ModelChoiceField(queryset=None, required=False, label=_("Warehouse"))


class TargetFilterForm(StyledForm):
    """Registry filters a target list is built from (all optional; combined with AND)."""

    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False, label=_("Region"))
    vulnerability = forms.ModelChoiceField(queryset=VulnerabilityCriterion.objects.filter(active=True),
                                           required=False, label=_("Vulnerability"))
    sex = forms.ChoiceField(choices=[("", "—"), *Sex.choices], required=False, label=_("Sex"))
    min_age = forms.IntegerField(min_value=0, max_value=120, required=False, label=_("Minimum age"))
    max_age = forms.IntegerField(min_value=0, max_value=120, required=False, label=_("Maximum age"))
    limit = forms.IntegerField(min_value=1, max_value=2000, initial=200, label=_("At most"))


class StockMovementForm(ScopedForm):
    KINDS = [
        (StockMovement.Kind.RECEIPT, _("receipt")),
        (StockMovement.Kind.TRANSFER_OUT, _("transfer to another warehouse")),
        (StockMovement.Kind.LOSS, _("loss")),
    ]
    kind = forms.ChoiceField(choices=KINDS, label=_("Movement"))
    warehouse = forms.ModelChoiceField(queryset=None, label=_("Warehouse"))
    destination = forms.ModelChoiceField(queryset=None, required=False, label=_("Destination warehouse"))
    item = forms.ModelChoiceField(queryset=None, label=_("Item"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=12, decimal_places=3)
    moved_on = forms.DateField(label=_("Date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False,
                             help_text=_("Required for a loss."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        from himaya.assistance.models import Item

        self.fields["destination"].queryset = queries.warehouses_visible_to(user)
        self.fields["item"].queryset = Item.objects.filter(active=True)


class ReferralForm(ScopedForm):
    person_code = forms.CharField(label=_("Person code"), max_length=20)
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    facility = forms.ModelChoiceField(queryset=queries.health_facilities(), label=_("Health facility"))
    category = forms.ChoiceField(choices=Referral.MedicalCategory.choices, label=_("Category"))
    referred_on = forms.DateField(label=_("Referred on"), widget=DateInput)
    cost_covered = forms.DecimalField(label=_("Cost covered (MAD)"), min_value=0, initial=0, max_digits=12,
                                      decimal_places=2)
    clinical_notes = forms.CharField(label=_("Clinical notes (optional, encrypted)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    override_reason = forms.CharField(
        label=_("Reason for sharing without consent"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only if the person has not consented to referral; the override is audited."))


class ReferralMoveForm(StyledForm):
    to = forms.ChoiceField(choices=Referral.Status.choices, label=_("New status"))
    proof_reference = forms.CharField(label=_("Proof of service (receipt or invoice number)"), max_length=80,
                                      required=False)
    cost_covered = forms.DecimalField(label=_("Cost covered (MAD)"), min_value=0, required=False, max_digits=12,
                                      decimal_places=2)


class WarehouseForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    commune = forms.ModelChoiceField(queryset=Commune.objects.all(), required=False, label=_("Commune"),
                                     to_field_name="code", widget=forms.TextInput,
                                     help_text=_("HCP code of the commune, if known."))


class KoboImportForm(StyledForm):
    file = forms.FileField(
        label=_("Kobo / ODK export (JSON or XLSX)"),
        help_text=_("The submissions of this distribution's check-in form; the same file twice creates nothing."))


class ProofForm(StyledForm):
    file = forms.FileField(label=_("Proof of service (PDF or image)"),
                           help_text=_("A scan or photo of the receipt or invoice: PDF, JPEG or PNG."))
