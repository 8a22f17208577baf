"""Turning one person's raw data (a form, an API body, a spreadsheet row) into clean data.

`person_data_validate(raw)` accepts strings as typed or read from a file, or
already-typed values (dates, reference objects), and returns a `PersonData` or
raises `PersonDataInvalid` with every problem, per field, in the active language.
Nothing is written: importers validate every row first, then register.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.registry.blind_index import normalise_phone
from himaya.registry.models import (
    BirthPrecision,
    Consent,
    LegalBasis,
    PersonDocument,
    Purpose,
    Sex,
    VulnerabilityCriterion,
)

NAME_MAX = 100
DOCUMENT_MAX = 40
OLDEST_AGE = 120
_NAME_PUNCTUATION = set(" '’-.")


class PersonDataInvalid(ValidationError):
    """Every problem of one person's data: `.message_dict` maps field names to messages."""


@dataclass(frozen=True)
class DocumentData:
    kind: str
    number: str
    issuing_country: Country | None = None


@dataclass(frozen=True)
class ConsentData:
    purpose: str
    legal_basis: str
    status: str = Consent.Status.GIVEN
    language: Language | None = None
    collected_on: dt.date | None = None


@dataclass(frozen=True)
class PersonData:
    given_name: str
    family_name: str = ""
    other_names: str = ""
    sex: str = Sex.NOT_STATED
    birth_precision: str = BirthPrecision.UNKNOWN
    birth_date: dt.date | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    nationality: Country | None = None
    languages: tuple[Language, ...] = ()
    region: Region | None = None
    province: Province | None = None
    commune: Commune | None = None
    phone: str = ""
    documents: tuple[DocumentData, ...] = ()
    vulnerabilities: tuple[VulnerabilityCriterion, ...] = ()
    consents: tuple[ConsentData, ...] = field(default=())

    def identity(self) -> dict[str, Any]:
        """A canonical, JSON-ready form (codes, not objects): for digests and history."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "other_names": self.other_names,
            "sex": self.sex,
            "birth_precision": self.birth_precision,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "birth_year": self.birth_year,
            "birth_month": self.birth_month,
            "nationality": self.nationality.alpha2 if self.nationality else "",
            "languages": sorted(lang.code for lang in self.languages),
            "region": self.region.code if self.region else "",
            "province": self.province.code if self.province else "",
            "commune": self.commune.code if self.commune else "",
            "phone": self.phone,
            "documents": sorted(
                [d.kind, d.number, d.issuing_country.alpha2 if d.issuing_country else ""]
                for d in self.documents
            ),
            "vulnerabilities": sorted(v.code for v in self.vulnerabilities),
        }


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    return " ".join(str(value).split())


def clean_name(value: str, name: str, errors: _Errors, *, required: bool = False) -> str:
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if not value:
        if required:
            errors.add(name, _("This name is required."))
        return ""
    if len(value) > NAME_MAX:
        errors.add(name, _("A name has at most %(max)d characters.") % {"max": NAME_MAX})
    elif any(not (ch.isalpha() or unicodedata.category(ch).startswith("M")
                  or ch in _NAME_PUNCTUATION) for ch in value):
        errors.add(name, _("Use letters (any script), spaces, hyphens and apostrophes only."))
    elif not any(ch.isalpha() for ch in value):
        errors.add(name, _("A name needs at least one letter."))
    return value


_CHOICE_VALUES: dict[type, frozenset[str]] = {}


def _choice(value: str, choices: Any, name: str, errors: _Errors, default: str = "") -> str:
    value = value.strip().lower()
    if not value:
        return default
    # `Choices.values` builds a new list on each call; the values never change (labels do,
    # with the language, so only the values are kept).
    values = _CHOICE_VALUES.get(choices)
    if values is None:
        values = _CHOICE_VALUES[choices] = frozenset(choices.values)
    if value in values:
        return value
    for choice_value, label in choices.choices:
        if value == str(label).lower():
            return choice_value
    errors.add(name, _("“%(value)s” is not one of the allowed choices.") % {"value": value})
    return default


def parse_date(value: Any) -> dt.date | None:
    """A date from a date, an ISO string or dd/mm/yyyy; None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _integer(raw: Mapping[str, Any], name: str, errors: _Errors, low: int, high: int) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(name, _("Enter a whole number."))
        return None
    if not low <= number <= high:
        errors.add(name, _("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high})
        return None
    return number


def _reference(value: Any, model: type[Model], lookups: Iterable[str], name: str,
               errors: _Errors) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    text = str(value).strip()
    for lookup in lookups:
        found = model.objects.filter(**{lookup: text}).first()
        if found is not None:
            return found
    errors.add(name, _("“%(value)s” is not a known code.") % {"value": text})
    return None


def _many(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
    return list(value)


def _birth(raw: Mapping[str, Any], errors: _Errors, today: dt.date) -> dict[str, Any]:
    precision = _choice(_text(raw, "birth_precision"), BirthPrecision, "birth_precision", errors)
    birth_date_raw = raw.get("birth_date")
    birth_date = None
    if birth_date_raw not in (None, ""):
        birth_date = parse_date(birth_date_raw)
        if birth_date is None:
            errors.add("birth_date", _("Enter a date as dd/mm/yyyy or yyyy-mm-dd."))
    year = _integer(raw, "birth_year", errors, today.year - OLDEST_AGE, today.year)
    month = _integer(raw, "birth_month", errors, 1, 12)
    age = _integer(raw, "approximate_age", errors, 0, OLDEST_AGE)
    if not precision:
        precision = (
            BirthPrecision.EXACT if birth_date else BirthPrecision.MONTH if year and month
            else BirthPrecision.YEAR if year else BirthPrecision.AGE if age is not None
            else BirthPrecision.UNKNOWN
        )
    result: dict[str, Any] = {"birth_precision": precision, "birth_date": None,
                              "birth_year": None, "birth_month": None}
    if precision == BirthPrecision.EXACT:
        if birth_date is None:
            if "birth_date" not in errors.by_field:
                errors.add("birth_date", _("Enter the birth date, or choose another precision."))
        elif birth_date > today:
            errors.add("birth_date", _("The birth date is in the future."))
        elif birth_date.year < today.year - OLDEST_AGE:
            errors.add("birth_date", _("The birth date is too far in the past."))
        else:
            result.update(birth_date=birth_date, birth_year=birth_date.year,
                          birth_month=birth_date.month)
    elif precision == BirthPrecision.MONTH:
        if year is None or month is None:
            errors.add("birth_month", _("Enter the month and the year of birth."))
        elif (year, month) > (today.year, today.month):
            errors.add("birth_month", _("The birth date is in the future."))
        else:
            result.update(birth_year=year, birth_month=month)
    elif precision == BirthPrecision.YEAR:
        if year is None:
            if "birth_year" not in errors.by_field:
                errors.add("birth_year", _("Enter the year of birth."))
        else:
            result["birth_year"] = year
    elif precision == BirthPrecision.AGE:
        if age is None:
            if "approximate_age" not in errors.by_field:
                errors.add("approximate_age", _("Enter the approximate age in years."))
        else:
            result["birth_year"] = today.year - age
    return result


def _place(raw: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    region = _reference(raw.get("region"), Region, ["code", "name_fr__iexact"], "region", errors)
    province = _reference(raw.get("province"), Province, ["code", "name_fr__iexact"], "province", errors)
    commune = _reference(raw.get("commune"), Commune, ["code"], "commune", errors)
    if commune is not None:
        if province is not None and commune.province_id != province.pk:
            errors.add("commune", _("The commune is not in the province."))
        province = province or commune.province
    if province is not None:
        if region is not None and province.region_id != region.pk:
            errors.add("province", _("The province is not in the region."))
        region = region or province.region
    return {"region": region, "province": province, "commune": commune}


def _documents(raw: Mapping[str, Any], errors: _Errors) -> tuple[DocumentData, ...]:
    documents = []
    for entry in _many(raw.get("documents")):
        if not isinstance(entry, Mapping):
            errors.add("documents", _("Give each document as a type and a number."))
            continue
        kind = _choice(str(entry.get("kind", "")), PersonDocument.Kind, "documents", errors)
        number = "".join(str(entry.get("number", "")).split()).upper()
        if not kind and not number:
            continue
        if not kind:
            errors.add("documents", _("Choose the type of the document."))
        if not number:
            errors.add("documents", _("Enter the document number."))
        elif len(number) > DOCUMENT_MAX or not all(ch.isalnum() or ch in "-/" for ch in number):
            errors.add("documents", _("A document number has letters, digits, - and / only (40 at most)."))
        country = _reference(entry.get("issuing_country"), Country, ["alpha2__iexact", "alpha3__iexact"],
                             "documents", errors)
        if kind and number:
            documents.append(DocumentData(kind, number, country))
    return tuple(documents)


def _consents(raw: Mapping[str, Any], errors: _Errors, today: dt.date,
              require_registration: bool) -> tuple[ConsentData, ...]:
    consents: dict[str, ConsentData] = {}
    for entry in _many(raw.get("consents")):
        if not isinstance(entry, Mapping):
            errors.add("consents", _("Give each consent as a purpose and a legal basis."))
            continue
        purpose = _choice(str(entry.get("purpose", "")), Purpose, "consents", errors)
        basis = _choice(str(entry.get("legal_basis", "")), LegalBasis, "consents", errors,
                        default=LegalBasis.CONSENT)
        status = _choice(str(entry.get("status", "")), Consent.Status, "consents", errors,
                         default=Consent.Status.GIVEN)
        language = _reference(entry.get("language"), Language, ["code__iexact", "alpha2__iexact"],
                              "consents", errors)
        collected_on = today
        if entry.get("collected_on") not in (None, ""):
            collected_on = parse_date(entry["collected_on"])
            if collected_on is None or collected_on > today:
                errors.add("consents", _("Enter the date consent was collected (not in the future)."))
                collected_on = today
        if purpose:
            consents[purpose] = ConsentData(purpose, basis, status, language, collected_on)
    registration = consents.get(Purpose.REGISTRATION)
    if require_registration and (registration is None or registration.status != Consent.Status.GIVEN):
        errors.add("consents", _(
            "Registration needs the person's consent, or another legal basis, for the "
            "registration purpose."
        ))
    return tuple(consents[p] for p in Purpose.values if p in consents)


def person_data_validate(
    raw: Mapping[str, Any], *, today: dt.date | None = None, require_consent: bool = True,
) -> PersonData:
    """Clean one person's raw data, or raise `PersonDataInvalid` listing every problem.

    Keys: given_name, family_name, other_names, sex, birth_precision, birth_date,
    birth_year, birth_month, approximate_age, nationality (ISO alpha-2/3), languages
    (ISO 639 codes, list or comma-separated), region/province/commune (HCP codes),
    phone (any local or international form), documents (list of {kind, number,
    issuing_country}), vulnerabilities (catalogue codes), consents (list of
    {purpose, legal_basis, status, language, collected_on}). Unknown keys are ignored.
    """
    today = today or timezone.localdate()
    errors = _Errors()
    given_name = clean_name(_text(raw, "given_name"), "given_name", errors, required=True)
    family_name = clean_name(_text(raw, "family_name"), "family_name", errors)
    other_names = clean_name(_text(raw, "other_names"), "other_names", errors)
    sex = _choice(_text(raw, "sex"), Sex, "sex", errors, default="")
    if not sex:
        if "sex" not in errors.by_field:
            errors.add("sex", _("Choose the sex (or “not stated”)."))
        sex = Sex.NOT_STATED
    birth = _birth(raw, errors, today)
    nationality = _reference(raw.get("nationality"), Country,
                             ["alpha2__iexact", "alpha3__iexact"], "nationality", errors)
    languages = tuple(
        lang for lang in (
            _reference(value, Language, ["code__iexact", "alpha2__iexact"], "languages", errors)
            for value in _many(raw.get("languages"))
        ) if lang is not None
    )
    phone = ""
    phone_raw = _text(raw, "phone")
    if phone_raw:
        phone = normalise_phone(phone_raw)
        if not phone:
            errors.add("phone", _("Enter a valid phone number, e.g. 0612345678 or +221 77 123 45 67."))
    vulnerabilities = []
    for value in _many(raw.get("vulnerabilities")):
        criterion = _reference(value, VulnerabilityCriterion, ["code"], "vulnerabilities", errors)
        if criterion is not None:
            vulnerabilities.append(criterion)
    data = {
        "given_name": given_name, "family_name": family_name, "other_names": other_names,
        "sex": sex, **birth, "nationality": nationality, "languages": languages,
        **_place(raw, errors), "phone": phone, "documents": _documents(raw, errors),
        "vulnerabilities": tuple(dict.fromkeys(vulnerabilities)),
        "consents": _consents(raw, errors, today, require_consent),
    }
    if errors.by_field:
        raise PersonDataInvalid(errors.by_field)
    return PersonData(**data)
