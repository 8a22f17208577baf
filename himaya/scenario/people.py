"""The scenario's people: several thousand synthetic migrants in households, 15 associations.

Names are drawn from pools typical of the people the RDPP assisted in Morocco (West and
Central Africa, the Maghreb, the Middle East and the Horn), some written in Arabic
script as a clerk would have typed them. Everyone is invented; any likeness is chance.

Rows are written with bulk inserts (ciphertexts and keyed hashes computed here, in
memory) rather than one service call per person, so the demo stays within its minute.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from himaya.audit.services import audit_record
from himaya.reference.models import Country, Language, Province
from himaya.registry import blind_index, codes, encryption
from himaya.registry.models import (
    BirthPrecision,
    Consent,
    Household,
    HouseholdMember,
    LegalBasis,
    Person,
    PersonDocument,
    Purpose,
    Relationship,
    SearchKey,
    Sex,
    VulnerabilityCriterion,
)
from himaya.scenario.world import DemoWorld

PEOPLE = 6000
TODAY = dt.date(2022, 12, 16)


@dataclass(frozen=True)
class Origin:
    countries: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    languages: tuple[str, ...]
    weight: int
    arabic_script: float = 0.0


ORIGINS = [
    Origin(("SN", "GM"), ("Mamadou", "Ousmane", "Abdoulaye", "Cheikh", "Modou", "Ibrahima", "Moussa", "Babacar", "Pape", "Alioune"),
           ("Aminata", "Fatou", "Awa", "Mariama", "Khady", "Ndeye", "Coumba", "Astou", "Rokhaya", "Adama"),
           ("Diop", "Ndiaye", "Fall", "Sow", "Gueye", "Faye", "Mbaye", "Sarr", "Diallo", "Ba", "Cissé", "Niang"),
           ("wol", "fra", "ful"), 16),
    Origin(("GN", "ML"), ("Mamadou", "Alpha", "Souleymane", "Amadou", "Boubacar", "Sekou", "Lansana", "Oumar", "Issa", "Bakary"),
           ("Fatoumata", "Kadiatou", "Hawa", "Mariam", "Aïssata", "Djénabou", "Oumou", "Nana", "Assitan", "Binta"),
           ("Diallo", "Bah", "Barry", "Camara", "Keïta", "Traoré", "Coulibaly", "Konaté", "Touré", "Sylla", "Kouyaté", "Sangaré"),
           ("fra", "ful", "bam"), 20),
    Origin(("CI", "BF"), ("Yao", "Kouassi", "Koffi", "Serge", "Ibrahim", "Adama", "Drissa", "Arnaud", "Jean-Baptiste", "Salif"),
           ("Aya", "Adjoua", "Affoué", "Mariam", "Awa", "Salimata", "Ramata", "Estelle", "Christelle", "Rasmata"),
           ("Kouamé", "Konan", "Ouattara", "Ouédraogo", "Sawadogo", "Kaboré", "Yao", "Bamba", "Koné", "Zongo"),
           ("fra",), 12),
    Origin(("CM", "CD", "CG"), ("Jean", "Patrick", "Christian", "Junior", "Blaise", "Hervé", "Didier", "Fabrice", "Rodrigue", "Guy"),
           ("Grâce", "Marie", "Esther", "Nadège", "Ange", "Solange", "Falonne", "Chantal", "Mireille", "Divine"),
           ("Mbarga", "Nkoulou", "Fotso", "Tchakounté", "Kabila", "Mbuyi", "Ilunga", "Mukendi", "Kalonji", "Mabiala", "Ngoma", "Tshibanda"),
           ("fra", "lin", "eng"), 14),
    Origin(("NG", "GH", "LR", "SL"), ("Chinedu", "Emeka", "Tunde", "Kwame", "Kofi", "Musa", "Samuel", "Emmanuel", "Joseph", "Mohammed"),
           ("Blessing", "Joy", "Ngozi", "Amina", "Abena", "Esther", "Precious", "Fatima", "Comfort", "Mercy"),
           ("Okafor", "Adeyemi", "Mensah", "Boateng", "Bello", "Johnson", "Kamara", "Conteh", "Sesay", "Mohammed"),
           ("eng", "hau", "yor"), 8),
    Origin(("SD", "SS", "ER"), ("Mohamed", "Ahmed", "Osman", "Abdelrahman", "Yasir", "Mustafa", "Adam", "Hamid", "Yohannes", "Tesfay"),
           ("Fatima", "Amna", "Hawa", "Mariam", "Khadija", "Selam", "Huda", "Sara", "Rahma", "Nour"),
           ("Abdallah", "Ibrahim", "Adam", "Osman", "Hassan", "Ali", "Musa", "Tesfamariam", "Haile", "Ismail"),
           ("ara", "eng", "tir"), 8, arabic_script=0.35),
    Origin(("SY", "YE", "PS", "IQ"), ("Mohammed", "Ahmad", "Omar", "Khaled", "Youssef", "Hussein", "Mahmoud", "Samir", "Bilal", "Rami"),
           ("Fatima", "Rania", "Hiba", "Aya", "Lina", "Nour", "Rim", "Yasmin", "Zeinab", "Mariam"),
           ("Al-Hassan", "Haddad", "Khalil", "Saleh", "Al-Ahmad", "Nasser", "Darwish", "Hamdan", "Obeid", "Mansour"),
           ("ara",), 10, arabic_script=0.5),
    Origin(("DZ", "TN", "LY"), ("Karim", "Sofiane", "Yacine", "Bilel", "Walid", "Anis", "Nabil", "Amine", "Hamza", "Riad"),
           ("Amel", "Meriem", "Sarah", "Imane", "Lamia", "Nesrine", "Samira", "Wafa", "Houda", "Kenza"),
           ("Benali", "Bouzid", "Haddad", "Mansouri", "Brahimi", "Cherif", "Belkacem", "Trabelsi", "Zitouni", "Gharbi"),
           ("ara", "fra", "zgh"), 6, arabic_script=0.25),
    Origin(("CF", "TD", "NE"), ("Abakar", "Mahamat", "Idriss", "Hassane", "Issoufou", "Saleh", "Djibril", "Brice", "Arsène", "Moussa"),
           ("Halimé", "Zara", "Achta", "Ramatou", "Hadiza", "Mariama", "Grâce", "Prisca", "Aïcha", "Zeinabou"),
           ("Mahamat", "Abakar", "Issa", "Ousmane", "Moussa", "Yakoubou", "Ngaïkoisset", "Doko", "Zakaria", "Idriss"),
           ("fra", "ara", "hau"), 6, arabic_script=0.1),
]

# Latin → Arabic script for names that clerks write in Arabic (the common spellings).
ARABIC = {
    "Mohamed": "محمد", "Mohammed": "محمد", "Ahmed": "أحمد", "Ahmad": "أحمد", "Osman": "عثمان",
    "Omar": "عمر", "Khaled": "خالد", "Youssef": "يوسف", "Hussein": "حسين", "Mahmoud": "محمود",
    "Samir": "سمير", "Bilal": "بلال", "Rami": "رامي", "Mustafa": "مصطفى", "Adam": "آدم",
    "Hamid": "حامد", "Yasir": "ياسر", "Abdelrahman": "عبد الرحمن", "Karim": "كريم",
    "Sofiane": "سفيان", "Yacine": "ياسين", "Walid": "وليد", "Nabil": "نبيل", "Amine": "أمين",
    "Hamza": "حمزة", "Riad": "رياض", "Anis": "أنيس", "Bilel": "بلال", "Mahamat": "محمد",
    "Fatima": "فاطمة", "Amna": "آمنة", "Hawa": "حواء", "Mariam": "مريم", "Khadija": "خديجة",
    "Huda": "هدى", "Sara": "سارة", "Rahma": "رحمة", "Nour": "نور", "Rania": "رانيا",
    "Hiba": "هبة", "Aya": "آية", "Lina": "لينا", "Rim": "ريم", "Yasmin": "ياسمين",
    "Zeinab": "زينب", "Amel": "أمل", "Meriem": "مريم", "Sarah": "سارة", "Imane": "إيمان",
    "Samira": "سميرة", "Wafa": "وفاء", "Houda": "هدى", "Kenza": "كنزة", "Aïcha": "عائشة",
    "Abdallah": "عبد الله", "Ibrahim": "إبراهيم", "Hassan": "حسن", "Ali": "علي", "Musa": "موسى",
    "Ismail": "إسماعيل", "Al-Hassan": "الحسن", "Haddad": "حداد", "Khalil": "خليل", "Saleh": "صالح",
    "Al-Ahmad": "الأحمد", "Nasser": "ناصر", "Darwish": "درويش", "Hamdan": "حمدان",
    "Obeid": "عبيد", "Mansour": "منصور", "Benali": "بن علي", "Bouzid": "بوزيد",
    "Mansouri": "منصوري", "Brahimi": "براهيمي", "Cherif": "شريف", "Belkacem": "بلقاسم",
    "Trabelsi": "الطرابلسي", "Zitouni": "زيتوني", "Gharbi": "الغربي", "Abakar": "أبكر",
    "Idriss": "إدريس", "Issa": "عيسى", "Zakaria": "زكريا",
}

SIZES = [1] * 42 + [2] * 20 + [3] * 16 + [4] * 13 + [5] * 6 + [6] * 3
PRECISIONS = [BirthPrecision.EXACT] * 40 + [BirthPrecision.YEAR] * 30 + [BirthPrecision.AGE] * 20 + [BirthPrecision.MONTH] * 10


@dataclass
class Draft:
    person: Person
    age: int
    languages: list[str]
    vulnerabilities: set[str] = field(default_factory=set)
    passport: str = ""


def _birth(rng: random.Random, age: int, person: Person) -> None:
    born = TODAY - dt.timedelta(days=age * 365 + rng.randrange(365))
    precision = rng.choice(PRECISIONS)
    person.birth_precision = precision
    person.birth_year = born.year
    if precision == BirthPrecision.EXACT:
        person.birth_date = born.isoformat()
        person.birth_month = born.month
    elif precision == BirthPrecision.MONTH:
        person.birth_month = born.month


def _name(rng: random.Random, origin: Origin, pool: tuple[str, ...], arabic: bool) -> str:
    name = rng.choice(pool)
    return ARABIC.get(name, name) if arabic else name


def _insert_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Multi-row INSERTs of already-prepared values: no model instances, few round trips."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = 500  # well under SQLite's limit on parameters per statement
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            values = ", ".join([one_row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608
                           [value for row in chunk for value in row])


def build(world: DemoWorld) -> None:
    rng = world.rng
    partners = list(world["partners"])
    countries = {c.alpha2: c for c in Country.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    criteria = {c.code: c for c in VulnerabilityCriterion.objects.all()}
    provinces = defaultdict(list)
    for province in Province.objects.filter(region__in={p.region_id for p in partners}):
        provinces[province.region_id].append(province)
    index_key = encryption.keyring().index_key
    seen_codes: set[str] = set()

    def new_code() -> str:
        while True:
            code = codes.new_code(rng)
            if code not in seen_codes:
                seen_codes.add(code)
                return code

    origins_weighted = [o for o in ORIGINS for _ in range(o.weight)]
    drafts: list[Draft] = []
    households: list[tuple[Household, list[tuple[int, str]]]] = []
    while len(drafts) < PEOPLE:
        partner = rng.choice(partners)
        agent = world.objects.get(f"user:{partner.code.removeprefix('asso-')}-agent")
        origin = rng.choice(origins_weighted)
        country = countries.get(rng.choice(origin.countries))
        arabic = rng.random() < origin.arabic_script
        family = _name(rng, origin, origin.family, arabic)
        province = rng.choice(provinces[partner.region_id]) if provinces[partner.region_id] else None
        size = rng.choice(SIZES)
        members: list[tuple[Draft, str]] = []

        # Defaults bind this household's values (the function is called only in this pass).
        def person(sex: str, age: int, family_name: str, origin: Origin = origin,
                   partner: object = partner, agent: object = agent, country: object = country,
                   arabic: bool = arabic, province: object = province) -> Draft:
            pool = origin.female if sex == Sex.FEMALE else origin.male
            p = Person(
                code=new_code(), organisation=partner, registered_by=agent, sex=sex,
                given_name=_name(rng, origin, pool, arabic), family_name=family_name,
                nationality=country, region=partner.region, province=province,
            )
            _birth(rng, age, p)
            draft = Draft(p, age, [rng.choice(origin.languages)] + (["fra"] if rng.random() < 0.3 else []))
            if age >= 16 and rng.random() < 0.75:
                p.phone = f"+2126{rng.randrange(10**8):08d}"
            if age >= 18 and rng.random() < 0.3:
                draft.passport = f"{rng.choice('ABCDEGHKMNPRST')}{rng.randrange(10**7):07d}"
            if rng.random() < 0.04:
                draft.vulnerabilities.add("disability")
            if rng.random() < 0.04:
                draft.vulnerabilities.add("serious-medical-condition")
            if age >= 60:
                draft.vulnerabilities.add("older-person")
            return draft

        if size == 1:
            age = rng.choice([15, 16, 17]) if rng.random() < 0.12 else rng.randint(18, 45)
            sex = Sex.FEMALE if rng.random() < 0.3 else Sex.MALE
            head = person(sex, age, family)
            if age < 18:
                head.vulnerabilities.add("unaccompanied-child")
            if sex == Sex.FEMALE and rng.random() < 0.15:
                head.vulnerabilities.add("survivor-of-violence")
            if rng.random() < 0.02:
                head.vulnerabilities.add("presumed-trafficking-victim")
            if rng.random() < 0.08:
                head.vulnerabilities.add("no-shelter")
            members.append((head, Relationship.HEAD))
        else:
            with_spouse = rng.random() < 0.55
            head_sex = Sex.MALE if with_spouse and rng.random() < 0.8 else (
                Sex.FEMALE if not with_spouse else Sex.MALE)
            head = person(head_sex, rng.randint(20, 55), family)
            members.append((head, Relationship.HEAD))
            if with_spouse:
                spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
                spouse_family = _name(rng, origin, origin.family, arabic)
                spouse = person(spouse_sex, max(18, head.age + rng.randint(-8, 3)), spouse_family)
                if spouse_sex == Sex.FEMALE and rng.random() < 0.2:
                    spouse.vulnerabilities.add("pregnant-lactating")
                members.append((spouse, Relationship.SPOUSE))
            elif head_sex == Sex.FEMALE:
                head.vulnerabilities.add("single-parent")
                if rng.random() < 0.2:
                    head.vulnerabilities.add("woman-at-risk")
            while len(members) < size:
                child_age = rng.randint(0, min(17, max(0, head.age - 16)))
                child = person(rng.choice([Sex.FEMALE, Sex.MALE]), child_age, family)
                members.append((child, Relationship.CHILD))
        household = Household(code=new_code(), organisation=partner, registered_by=agent)
        households.append((household, [(len(drafts) + i, rel) for i, (_d, rel) in enumerate(members)]))
        drafts.extend(d for d, _rel in members)

    for draft in drafts:
        p = draft.person
        p.phone_index = blind_index.exact_digest("phone", p.phone, index_key)
        p.name_index = blind_index.exact_digest(
            "name", blind_index.fold(f"{p.given_name} {p.family_name}"), index_key)
    Person.objects.bulk_create([d.person for d in drafts], batch_size=1000)
    Household.objects.bulk_create([h for h, _m in households], batch_size=1000)
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(household=h, person=drafts[i].person, relationship=rel)
         for h, members in households for i, rel in members],
        batch_size=2000,
    )
    # Link and key rows go in as plain tuples: building ~100,000 model instances for
    # rows of two or three columns would take most of the demo's minute.
    language_links, vulnerability_links, documents, consents, keys = [], [], [], [], []
    for draft in drafts:
        p = draft.person
        for code in dict.fromkeys(draft.languages):
            if code in languages:
                language_links.append((p.pk, languages[code].pk))
        for code in sorted(draft.vulnerabilities):
            vulnerability_links.append((p.pk, criteria[code].pk))
        if draft.passport:
            documents.append(PersonDocument(
                person=p, kind=PersonDocument.Kind.PASSPORT, number=draft.passport,
                issuing_country=p.nationality,
                number_index=blind_index.exact_digest("document", draft.passport, index_key)))
        collected = TODAY - dt.timedelta(days=rng.randrange(1200))
        consent_language = languages.get(draft.languages[0])
        for purpose, chance in ((Purpose.REGISTRATION, 1.0), (Purpose.ASSISTANCE, 0.95),
                                (Purpose.REFERRAL, 0.7), (Purpose.FOLLOW_UP, 0.8)):
            if rng.random() < chance:
                basis = (LegalBasis.VITAL_INTEREST if draft.age < 18 and purpose == Purpose.REGISTRATION
                         and "unaccompanied-child" in draft.vulnerabilities else LegalBasis.CONSENT)
                consents.append((p.pk, str(purpose), str(basis), str(Consent.Status.GIVEN),
                                 consent_language.pk if consent_language else None,
                                 p.registered_by.pk if p.registered_by else None, collected))
        for digest in blind_index.name_search_digests([p.given_name, p.family_name], index_key):
            keys.append((p.pk, digest))
    PersonDocument.objects.bulk_create(documents, batch_size=2000)
    _insert_rows(Person.languages.through, ["person_id", "language_id"], language_links)
    _insert_rows(Person.vulnerabilities.through, ["person_id", "vulnerabilitycriterion_id"],
                 vulnerability_links)
    _insert_rows(Consent, ["person_id", "purpose", "legal_basis", "status", "language_id",
                           "collected_by_id", "collected_on"], consents)
    _insert_rows(SearchKey, ["person_id", "digest"], keys)
    audit_record(actor=None, kind="create", action="person.demo_build",
                 object_type="registry.person", reason=f"{len(drafts)} synthetic people")
    world["people"] = [d.person.pk for d in drafts]
    world["households"] = [h.pk for h, _m in households]
