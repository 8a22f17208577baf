from django import forms
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm, style_fields
from himaya.accounts.roles import PARTNER_STAFF, Role
from himaya.accounts.scopes import Scope
from himaya.organisations.models import Organisation
from himaya.reference.models import Region


class SecondFactorForm(StyledForm):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class InviteForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"), queryset=Region.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("ar", "العربية"), ("en", "English")]
    )

    def __init__(self, *args: object, scope: Scope, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if scope.role == Role.MISSION_ADMIN:
            self.fields["role"].choices = Role.choices
            self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        else:
            # A coordinator invites only into their own association, only partner roles.
            self.fields["role"].choices = [c for c in Role.choices if c[0] in PARTNER_STAFF]
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk=scope.organisation_id
            )
            self.fields["organisation"].initial = scope.organisation_id
            del self.fields["regions"]
        style_fields(self)


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("Token name"), max_length=80,
        help_text=_("Say where it is used, e.g. 'Field phone Oujda 2'."),
    )
