"""The columns of a people/households import, shared by the XLSX template, the XLSForm and the reader.

One list says which columns exist, their stable machine key (the header of the
XLSForm field and the second header row of the template), their label in the
user's language, and the other headers people actually write (fr/ar/en). The
registry's validator decides what a value means; this module only says where
each value comes from.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Choices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from himaya.registry.models import (
    BirthPrecision,
    LegalBasis,
    PersonDocument,
    Purpose,
    Relationship,
    Sex,
)

# What a yes/no consent column accepts (any case, any of the three languages).
YES = "yes"
NO = "no"
YES_NO_WORDS = {
    YES: {"yes", "y", "oui", "o", "1", "true", "vrai", "x", "نعم"},
    NO: {"no", "n", "non", "0", "false", "faux", "لا"},
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    help: str | Promise = ""
    required: bool = False
    # Extra headers seen in real sheets; labels in fr/ar/en and the key are always accepted.
    synonyms: tuple[str, ...] = ()
    # "text", "choice", "yes_no", "date", "integer", "reference", "multi_reference"
    kind: str = "text"
    choices: type[Choices] | None = None
    # For references: the name of a list in `reference_lists()`.
    reference: str = ""
    xlsform_type: str = "text"
    width: int = 18
    extra: dict[str, str] = field(default_factory=dict)


PURPOSE_COLUMNS = {
    Purpose.REGISTRATION: "consent_registration",
    Purpose.ASSISTANCE: "consent_assistance",
    Purpose.REFERRAL: "consent_referral",
    Purpose.FOLLOW_UP: "consent_follow_up",
}

COLUMNS: tuple[Column, ...] = (
    Column("external_id", _("Your reference"), _(
        "Your own number for this person (optional). Importing the same reference again never "
        "creates a second person."), synonyms=("id", "ref", "reference", "référence", "numéro",
                                               "numero", "n°", "no", "المرجع", "الرقم", "instanceid", "uuid"),
           width=16),
    Column("given_name", _("Given name"), _("As written by the person, any script."), required=True,
           synonyms=("prénom", "prenom", "prénoms", "first name", "firstname", "given names", "forename",
                     "الاسم الشخصي", "الاسم"), width=20),
    Column("family_name", _("Family name"), synonyms=(
        "nom", "nom de famille", "last name", "lastname", "surname", "family", "اسم العائلة",
        "النسب", "اللقب"), width=20),
    Column("other_names", _("Other names"), _("Other names or spellings the person is known by."),
           synonyms=("autres noms", "alias", "surnom", "also known as", "aka", "أسماء أخرى"), width=18),
    Column("sex", _("Sex"), required=True, kind="choice", choices=Sex, xlsform_type="select_one sex",
           synonyms=("sexe", "genre", "gender", "الجنس", "النوع"), width=12, extra={
               "f": Sex.FEMALE, "femme": Sex.FEMALE, "feminin": Sex.FEMALE, "woman": Sex.FEMALE,
               "girl": Sex.FEMALE, "fille": Sex.FEMALE, "أنثى": Sex.FEMALE, "انثى": Sex.FEMALE,
               "امرأة": Sex.FEMALE, "m": Sex.MALE, "h": Sex.MALE, "homme": Sex.MALE,
               "masculin": Sex.MALE, "man": Sex.MALE, "boy": Sex.MALE, "garcon": Sex.MALE,
               "ذكر": Sex.MALE, "رجل": Sex.MALE, "nsp": Sex.NOT_STATED, "non precise": Sex.NOT_STATED,
           }),
    Column("birth_precision", _("What is known of the birth date"), _(
        "Leave empty: it is deduced from the date (a full date, a month and year, or a year)."),
           kind="choice", choices=BirthPrecision, xlsform_type="select_one birth_precision",
           synonyms=("précision", "precision", "précision de la date", "date precision", "دقة التاريخ"),
           width=16),
    Column("birth_date", _("Birth date"), _("dd/mm/yyyy, yyyy-mm-dd, mm/yyyy or just the year."),
           kind="date", xlsform_type="date", synonyms=(
               "date de naissance", "né le", "née le", "naissance", "date naissance", "dob",
               "date of birth", "birthdate", "birthday", "تاريخ الميلاد", "تاريخ الازدياد"), width=14),
    Column("birth_year", _("Birth year"), _("When only the year is known (or write it as the birth date)."),
           kind="integer", xlsform_type="integer", synonyms=(
               "année de naissance", "annee de naissance", "year of birth", "سنة الميلاد", "سنة الازدياد"),
           width=10),
    Column("approximate_age", _("Approximate age"), _("In years, when the birth date is unknown."),
           kind="integer", xlsform_type="integer", synonyms=("âge", "age", "age approximatif", "العمر",
                                                            "السن"), width=10),
    Column("nationality", _("Nationality"), _("ISO code of three letters, e.g. SEN, CIV, SYR."),
           kind="reference", reference="countries", xlsform_type="select_one country",
           synonyms=("nationalité", "nationalite", "pays", "country", "citizenship", "الجنسية", "البلد"),
           width=22),
    Column("languages", _("Languages"), _("ISO codes separated by commas, e.g. fr, wol, ar."),
           kind="multi_reference", reference="languages", synonyms=(
               "langues", "langue", "language", "languages spoken", "اللغات", "اللغة"), width=14),
    Column("region", _("Region"), kind="reference", reference="regions",
           xlsform_type="select_one region", synonyms=("région", "الجهة"), width=22),
    Column("province", _("Province or prefecture"), kind="reference", reference="provinces",
           xlsform_type="select_one province", synonyms=(
               "province", "préfecture", "prefecture", "الإقليم", "العمالة"), width=22),
    Column("commune", _("Commune"), kind="reference", reference="communes",
           xlsform_type="select_one commune", synonyms=("commune", "ville", "city", "الجماعة"), width=22),
    Column("phone", _("Phone"), _("Any form: 0612345678, +212 6 12 34 56 78, 00221771234567."),
           synonyms=("téléphone", "telephone", "tél", "tel", "gsm", "mobile", "portable",
                     "phone number", "numéro de téléphone", "الهاتف", "رقم الهاتف"), width=18),
    Column("document_type", _("Document type"), kind="choice", choices=PersonDocument.Kind,
           xlsform_type="select_one document_type", synonyms=(
               "type de document", "pièce", "piece", "document", "نوع الوثيقة"), width=16),
    Column("document_number", _("Document number"), synonyms=(
        "numéro de document", "numero de document", "n° document", "passport number",
        "numéro de passeport", "رقم الوثيقة"), width=16),
    Column("document_country", _("Document issued by"), _("ISO code of the issuing country."),
           kind="reference", reference="countries", xlsform_type="select_one country",
           synonyms=("pays de délivrance", "issuing country", "بلد الإصدار"), width=18),
    Column("vulnerabilities", _("Vulnerabilities"), _("Codes from the list, separated by commas."),
           kind="multi_reference", reference="vulnerabilities",
           xlsform_type="select_multiple vulnerability", synonyms=(
               "vulnérabilités", "vulnerabilites", "vulnérabilité", "vulnerability",
               "critères", "الهشاشة", "أوجه الهشاشة"), width=22),
    Column("legal_basis", _("Legal basis"), _("Leave empty for consent."), kind="choice",
           choices=LegalBasis, xlsform_type="select_one legal_basis",
           synonyms=("base légale", "base legale", "الأساس القانوني"), width=16),
    Column(PURPOSE_COLUMNS[Purpose.REGISTRATION], _("Consent: registration"), required=True,
           kind="yes_no", xlsform_type="select_one yes_no",
           synonyms=("consentement", "consent", "consentement enregistrement", "موافقة", "الموافقة"),
           width=14),
    Column(PURPOSE_COLUMNS[Purpose.ASSISTANCE], _("Consent: assistance"), kind="yes_no",
           xlsform_type="select_one yes_no", synonyms=("consentement assistance",), width=14),
    Column(PURPOSE_COLUMNS[Purpose.REFERRAL], _("Consent: referral and sharing"), kind="yes_no",
           xlsform_type="select_one yes_no", synonyms=("consentement référencement", "consentement partage"),
           width=14),
    Column(PURPOSE_COLUMNS[Purpose.FOLLOW_UP], _("Consent: follow-up contact"), kind="yes_no",
           xlsform_type="select_one yes_no", synonyms=("consentement suivi",), width=14),
    Column("consent_language", _("Language of the explanation"), _("ISO code, e.g. fr, ar, wol."),
           kind="reference", reference="languages", synonyms=("langue du consentement",), width=12),
    Column("consent_date", _("Consent collected on"), kind="date", xlsform_type="date",
           synonyms=("date du consentement", "date de consentement", "تاريخ الموافقة"), width=14),
    Column("household", _("Household reference"), _(
        "People with the same household reference form one household."), synonyms=(
            "ménage", "menage", "famille", "household id", "réf ménage", "الأسرة", "رقم الأسرة"), width=14),
    Column("relationship", _("Relationship to the head"), _("One head per household."),
           kind="choice", choices=Relationship, xlsform_type="select_one relationship",
           synonyms=("lien", "lien de parenté", "relation", "lien avec le chef", "صلة القرابة"), width=16,
           extra={
               "chef": Relationship.HEAD, "chef de menage": Relationship.HEAD, "chef du menage": Relationship.HEAD,
               "chef de famille": Relationship.HEAD, "cm": Relationship.HEAD, "رب الأسرة": Relationship.HEAD,
               "رب الاسرة": Relationship.HEAD, "epoux": Relationship.SPOUSE, "epouse": Relationship.SPOUSE,
               "conjoint": Relationship.SPOUSE, "conjointe": Relationship.SPOUSE, "wife": Relationship.SPOUSE,
               "husband": Relationship.SPOUSE, "زوج": Relationship.SPOUSE, "زوجة": Relationship.SPOUSE,
               "enfant": Relationship.CHILD, "fils": Relationship.CHILD, "fille": Relationship.CHILD,
               "son": Relationship.CHILD, "daughter": Relationship.CHILD, "ابن": Relationship.CHILD,
               "ابنة": Relationship.CHILD, "pere": Relationship.PARENT, "mere": Relationship.PARENT,
               "frere": Relationship.SIBLING, "soeur": Relationship.SIBLING,
           }),
)

COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)
# Columns from Kobo exports that identify the submission, not the person.
KOBO_ID_KEYS = ("meta/instanceid", "instanceid", "_uuid", "uuid")


@functools.lru_cache(maxsize=8192)
def _fold(text: str) -> str:
    value = unicodedata.normalize("NFKD", text).casefold()
    value = "".join(ch for ch in value if not unicodedata.combining(ch) or "\u0600" <= ch <= "\u06ff")
    value = value.replace("*", " ").replace("_", " ")
    value = re.sub(r"[^\w\u0600-\u06ff°]+", " ", value)
    return " ".join(value.split())


def fold_header(text: object) -> str:
    """A header (or a choice) as compared: case, accents, punctuation and separators folded away."""
    # Cached: the same few words (F, oui, SEN…) come back on every row of a file.
    return _fold(str(text or ""))


def _labels_in_every_language(label: str | Promise) -> Iterable[str]:
    for language in ("fr", "ar", "en"):
        with override(language):
            yield str(label)


_HEADER_INDEX: dict[str, str] | None = None


def header_index() -> dict[str, str]:
    """Every accepted header (folded) → column key. Built once: labels come from the catalogues."""
    global _HEADER_INDEX
    if _HEADER_INDEX is None:
        index: dict[str, str] = {}
        for column in COLUMNS:
            names = [column.key, *column.synonyms, *_labels_in_every_language(column.label)]
            for name in names:
                index.setdefault(fold_header(name), column.key)
        for name in KOBO_ID_KEYS:
            index[fold_header(name)] = "external_id"
        _HEADER_INDEX = index
    return _HEADER_INDEX


def column_for_header(header: object) -> str | None:
    """The column key a header names, or None. Kobo paths (`group/field`) match on the last part."""
    folded = fold_header(header)
    if not folded:
        return None
    index = header_index()
    if folded in index:
        return index[folded]
    raw = str(header or "")
    if "/" in raw:
        return index.get(fold_header(raw.rsplit("/", 1)[-1]))
    return None


def choice_words(choices: type[Choices], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way a choice may be written (code, label in fr/ar/en, usual words), folded → code."""
    words: dict[str, str] = {}
    for value, label in choices.choices:
        words[fold_header(value)] = value
        for text in _labels_in_every_language(label):
            words.setdefault(fold_header(text), value)
    for word, value in (extra or {}).items():
        words.setdefault(fold_header(word), value)
    return words

