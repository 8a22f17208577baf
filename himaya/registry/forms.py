"""Forms of the registry pages; the rules themselves live in `validation`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from himaya.accounts.form_styles import StyledForm
from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.registry.models import (
    BirthPrecision,
    LegalBasis,
    Person,
    PersonDocument,
    Purpose,
    Relationship,
    Sex,
    VulnerabilityCriterion,
)
from himaya.registry.validation import PersonData, PersonDataInvalid, person_data_validate

# The languages people assisted in Morocco mostly speak, offered as tick boxes on a phone;
# any other ISO language a person already has stays available when their record is edited.
COMMON_LANGUAGES = ("ara", "ary", "zgh", "fra", "eng", "wol", "ful", "bam", "sus", "mnk", "snk",
                    "dyu", "lin", "kon", "hau", "yor", "ibo", "pcm", "tir", "spa", "por")
CONSENT_FIELDS = {purpose: f"consent_{purpose}" for purpose in Purpose.values}
# Where a problem found by `person_data_validate` is shown on this form.
_ERROR_FIELDS = {"documents": "document_number", "consents": "consent_registration",
                 "birth_month": "birth_month", "vulnerabilities": "vulnerabilities"}


class PersonForm(StyledForm):
    given_name = forms.CharField(label=_("Given name"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    other_names = forms.CharField(
        label=_("Other names"), max_length=200, required=False,
        help_text=_("Other spellings, names used before, nicknames."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_precision = forms.ChoiceField(
        label=_("What is known of the birth date"), choices=BirthPrecision.choices,
        initial=BirthPrecision.YEAR,
    )
    birth_date = forms.CharField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
    )
    birth_month = forms.CharField(label=_("Month of birth (1–12)"), required=False,
                                  widget=forms.NumberInput(attrs={"min": 1, "max": 12}))
    birth_year = forms.CharField(label=_("Year of birth"), required=False,
                                 widget=forms.NumberInput(attrs={"min": 1900}))
    approximate_age = forms.CharField(label=_("Approximate age (years)"), required=False,
                                      widget=forms.NumberInput(attrs={"min": 0, "max": 120}))
    nationality = forms.ModelChoiceField(label=_("Nationality"), queryset=Country.objects.all(),
                                         required=False)
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages spoken"), queryset=Language.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Each level's list follows the one above it (htmx fetches the options as you choose).
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False,
        widget=forms.Select(attrs={"hx-get": reverse_lazy("registry:place-options"),
                                   "hx-target": "#id_province", "hx-vals": '{"level": "province"}'}),
    )
    province = forms.ModelChoiceField(
        label=_("Province or prefecture"), queryset=Province.objects.none(), required=False,
        widget=forms.Select(attrs={"hx-get": reverse_lazy("registry:place-options"),
                                   "hx-target": "#id_commune", "hx-vals": '{"level": "commune"}'}),
    )
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=Commune.objects.none(),
                                     required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    document_kind = forms.ChoiceField(
        label=_("Document type"), required=False,
        choices=[("", _("No document"))] + list(PersonDocument.Kind.choices),
    )
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=60,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    document_country = forms.ModelChoiceField(label=_("Issuing country"),
                                              queryset=Country.objects.all(), required=False)
    vulnerabilities = forms.ModelMultipleChoiceField(
        label=_("Vulnerabilities"), queryset=VulnerabilityCriterion.objects.filter(active=True),
        required=False, widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices,
                                    initial=LegalBasis.CONSENT)
    consent_registration = forms.BooleanField(label=_("Consent to registration"), required=False)
    consent_assistance = forms.BooleanField(label=_("Consent to assistance"), required=False)
    consent_referral = forms.BooleanField(label=_("Consent to referral and sharing"), required=False)
    consent_follow_up = forms.BooleanField(label=_("Consent to follow-up contact"), required=False)
    consent_language = forms.ModelChoiceField(
        label=_("Language in which consent was explained"), queryset=Language.objects.all(),
        required=False,
    )

    consent_fields = ("legal_basis", *CONSENT_FIELDS.values(), "consent_language")

    def __init__(self, *args: Any, with_consent: bool = True, person: Person | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.other_documents = [
            {"kind": d.kind, "number": d.number,
             "issuing_country": d.issuing_country.alpha2 if d.issuing_country else ""}
            for d in list(person.documents.all())[1:]
        ] if person is not None else []
        self.person_data: PersonData | None = None
        self.with_consent = with_consent
        for field in self.fields.values():
            if isinstance(field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                field.widget.attrs["class"] = "form-check-input"
        region = self._chosen("region")
        province = self._chosen("province")
        if region:
            self.fields["province"].queryset = Province.objects.filter(region_id=region)
        if province:
            self.fields["commune"].queryset = Commune.objects.filter(province_id=province)
        current = [getattr(lang, "pk", lang) for lang in (self.initial.get("languages") or [])]
        self.fields["languages"].queryset = Language.objects.filter(
            Q(code__in=COMMON_LANGUAGES) | Q(pk__in=current)
        )
        if not with_consent:
            for name in self.consent_fields:
                del self.fields[name]

    def _chosen(self, name: str) -> str:
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        return str(value) if value and str(value).isdigit() else ""

    def raw(self) -> dict[str, Any]:
        data = self.cleaned_data
        raw: dict[str, Any] = {name: data.get(name) for name in (
            "given_name", "family_name", "other_names", "sex", "birth_precision", "birth_date",
            "birth_month", "birth_year", "approximate_age", "nationality", "region", "province",
            "commune", "phone",
        )}
        raw["languages"] = list(data.get("languages") or [])
        raw["vulnerabilities"] = list(data.get("vulnerabilities") or [])
        # The form edits one document; any others (given through the API) are kept as they are.
        raw["documents"] = [{"kind": data.get("document_kind") or "",
                             "number": data.get("document_number") or "",
                             "issuing_country": data.get("document_country")},
                            *self.other_documents]
        if self.with_consent:
            raw["consents"] = [
                {"purpose": purpose, "legal_basis": data.get("legal_basis"),
                 "language": data.get("consent_language")}
                for purpose, name in CONSENT_FIELDS.items() if data.get(name)
            ]
        return raw

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Judged even when a field is already wrong, so every problem shows at once.
        try:
            data = person_data_validate(self.raw(), require_consent=self.with_consent)
        except PersonDataInvalid as error:
            for name, messages in error.message_dict.items():
                target = _ERROR_FIELDS.get(name, name)
                target = target if target in self.fields else None
                if target is not None and target in self.errors:
                    continue
                for message in messages:
                    self.add_error(target, message)
        else:
            if not self.errors:
                self.person_data = data
        return cleaned

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        document = person.documents.first()
        return {
            "given_name": person.given_name, "family_name": person.family_name,
            "other_names": person.other_names, "sex": person.sex,
            "birth_precision": person.birth_precision, "birth_date": person.birth_date,
            "birth_month": person.birth_month, "birth_year": person.birth_year,
            "nationality": person.nationality, "languages": list(person.languages.all()),
            "region": person.region, "province": person.province,
            "commune": person.commune, "phone": person.phone,
            "document_kind": document.kind if document else "",
            "document_number": document.number if document else "",
            "document_country": document.issuing_country if document else None,
            "vulnerabilities": list(person.vulnerabilities.all()),
        }


class HouseholdForm(StyledForm):
    """A household from the codes on people's cards: the head first, then the others."""

    MEMBER_ROWS = 6

    head_code = forms.CharField(label=_("Code of the head of household"), max_length=16)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(value, label) for value, label in Relationship.choices if value != Relationship.HEAD]
        for row in range(1, self.MEMBER_ROWS + 1):
            self.fields[f"member_{row}_code"] = forms.CharField(
                label=_("Member %(n)d: code") % {"n": row}, max_length=16, required=False)
            self.fields[f"member_{row}_relationship"] = forms.ChoiceField(
                label=_("Member %(n)d: relationship to the head") % {"n": row},
                choices=choices, required=False)

    def member_rows(self) -> list[tuple[str, str]]:
        rows = []
        for row in range(1, self.MEMBER_ROWS + 1):
            code = (self.cleaned_data.get(f"member_{row}_code") or "").strip()
            if code:
                rows.append((code, self.cleaned_data.get(f"member_{row}_relationship") or ""))
        return rows


class ConsentWithdrawForm(StyledForm):
    confirm = forms.BooleanField(
        label=_("The person asked to withdraw this consent; I have explained what it stops."),
    )


class ConsentRecordForm(StyledForm):
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices,
                                    initial=LegalBasis.CONSENT)
    language = forms.ModelChoiceField(
        label=_("Language in which consent was explained"),
        queryset=Language.objects.filter(code__in=COMMON_LANGUAGES), required=False,
    )
    confirm = forms.BooleanField(
        label=_("I explained this purpose to the person, in a language they understand."),
    )


class MemberAddForm(StyledForm):
    code = forms.CharField(label=_("Code of the person to add"), max_length=16)
    relationship = forms.ChoiceField(
        label=_("Relationship to the head"),
        choices=[(v, label) for v, label in Relationship.choices if v != Relationship.HEAD],
    )


class RevealForm(StyledForm):
    what = forms.CharField(max_length=32)
