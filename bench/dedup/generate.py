"""Synthetic migrant registrations with ground truth, for the dedup benchmark.

    python -m bench.dedup.generate --records 100000 --seed 1 --out var/bench/dedup/100k

People are drawn in households (shared phones, siblings, twins, parents and
children), from origin-specific name pools with a Zipf frequency (so "Mamadou
Diallo" is common), then registered one or more times; every registration after
the first goes through an error model (transliteration, Arabic script, typos,
swapped and compound names, short forms, birth-date precision and placeholders,
phone formats and changes). Pools, origins and rates follow the research's
protocol (shared/research/dedup-anchors.md §6.2). The same seed gives the same
files; the manifest names the generator's version.

Writes, in the output folder:
- records.csv: the evaluation-contract columns (what `himaya dedup-csv` reads);
- truth.csv: record_id, entity_id, household_id, errors (";"-separated);
- hard_negatives.csv: record_id_a, record_id_b, kind (pairs of different people);
- manifest.json: seed, sizes, parameters, counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.dedup.name_pools import NICKNAMES, ORIGINS, VARIANTS

GENERATOR_VERSION = 2
FIELDS = ["record_id", "given_name", "family_name", "sex", "birth_date", "nationality",
          "phone", "document_number", "region", "partner"]
# HCP region codes, weighted towards where migrants live and transit.
REGIONS = ["01", "02", "04", "06", "03", "09", "07", "05", "08", "10", "11", "12"]
REGION_WEIGHTS = [18, 22, 20, 18, 8, 6, 4, 1, 1, 1, 0.5, 0.5]
PARTNERS = [f"P{n:02d}" for n in range(1, 13)]
REFERENCE_YEAR = 2026

# Per-registration error probabilities (after the first registration), as the research's
# protocol gives them (shared/research/dedup-anchors.md §6.2; generator v2, decision 0308).
ERRORS = {
    "transliteration": 0.35,  # per name token: another spelling of the same name
    "arabic_script": 0.05,  # per record, for names that have an Arabic form
    "accents_case": 0.15,
    "typo": 0.10,  # per name field, one edit
    "typo2": 0.03,  # per name field, two edits (part of the 0.10)
    "swap": 0.08,  # given and family names exchanged
    "compound": 0.05,  # a second given name dropped, or one added
    "nickname": 0.03,  # a short form (Abdoulaye → Layé), for names that have one
    "dob_year_only": 0.30,
    "dob_shift1": 0.15,
    "dob_shift_more": 0.05,
    "dob_swap": 0.05,
    "dob_placeholder": 0.10,  # 1 January or 31 December
    "dob_missing": 0.05,
    "sex_missing": 0.02,
    "sex_flip": 0.01,
    "phone_changed": 0.40,
    "phone_missing": 0.25,
    "phone_format": 0.30,
    "doc_missing": 0.70,
    "doc_typo": 0.05,
    "nationality_missing": 0.10,
    "nationality_other": 0.03,
    "region_changed": 0.30,
}
FIRST_RECORD_YEAR_ONLY = 0.45
# 65% of people registered once, 20% twice, 8% three times, 7% four to eight times.
DUPLICATES = [(1, 0.65), (2, 0.20), (3, 0.08), (4, 0.03), (5, 0.015), (6, 0.01), (7, 0.0075),
              (8, 0.0075)]
HOUSEHOLD_SIZES = [(1, 0.40), (2, 0.21), (3, 0.15), (4, 0.10), (5, 0.065), (6, 0.04),
                   (7, 0.02), (8, 0.015)]  # 1 to 8, mean 2.5
ZIPF_S = 1.1
SHARED_PHONE = 0.6
HAS_DOCUMENT = 0.20
TWINS = 0.04
NAMED_AFTER_PARENT = 0.08
SECOND_GIVEN_NAME = 0.15
# Who adds "Mohamed" before the given name, as in Mohamed Lamine.
MOHAMED_PREFIX = {"west_africa", "sudan_chad", "maghreb_middle_east", "horn_of_africa"}


@dataclass
class Person:
    entity_id: str
    household_id: str
    origin: str
    sex: str
    given: list[str]  # canonical keys; two for compound given names
    family: str
    birth: tuple[int, int, int]
    nationality: str
    phone: str
    document: str
    region: str
    role: str  # head, spouse, child
    spellings: dict[str, str] = field(default_factory=dict)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.relations: list[tuple[str, str, str]] = []  # (entity, entity, kind)
        self._zipf: dict[tuple[str, str], list[float]] = {}
        self._phones: set[str] = set()

    # --- people -----------------------------------------------------------
    def _pick(self, origin: str, pool: str) -> str:
        names: list[str] = ORIGINS[origin][pool]  # type: ignore[assignment]
        weights = self._zipf.setdefault(
            (origin, pool), [1 / (rank**ZIPF_S) for rank in range(1, len(names) + 1)]
        )
        return self.rng.choices(names, weights)[0]

    def _phone(self) -> str:
        while True:
            number = f"0{self.rng.choice('67')}{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _document(self) -> str:
        letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
        return f"{letters}{self.rng.randrange(10**7):07d}"

    def _birth(self, year: int) -> tuple[int, int, int]:
        return (year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def _given(self, origin: str, sex: str) -> list[str]:
        pool = "male" if sex == "M" else "female"
        names = [self._pick(origin, pool)]
        if self.rng.random() < SECOND_GIVEN_NAME:
            second = self._pick(origin, pool)
            if second != names[0]:
                names.append(second)
        return names

    def _fresh_given(self, origin: str, sex: str, used: set[str]) -> list[str]:
        for _ in range(20):
            given = self._given(origin, sex)
            if not used.intersection(given):
                return given
        return given

    def household(self, number: int) -> list[Person]:
        rng = self.rng
        origin = rng.choices(list(ORIGINS), [o["weight"] for o in ORIGINS.values()])[0]  # type: ignore[misc]
        nationality = rng.choice(ORIGINS[origin]["nationalities"])  # type: ignore[arg-type]
        size = rng.choices([s for s, _ in HOUSEHOLD_SIZES], [w for _, w in HOUSEHOLD_SIZES])[0]
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        shared = self._phone() if rng.random() < SHARED_PHONE else ""
        family = self._pick(origin, "family")
        hid = f"H{number}"
        members: list[Person] = []

        def person(role: str, sex: str, given: list[str], fam: str, birth: tuple[int, int, int]) -> Person:
            p = Person(
                entity_id=f"E{len(self.people) + len(members)}",
                household_id=hid, origin=origin, sex=sex, given=given, family=fam,
                birth=birth, nationality=nationality,
                phone=shared or self._phone(),
                document=self._document() if rng.random() < HAS_DOCUMENT else "",
                region=region, role=role,
            )
            members.append(p)
            return p

        head_sex = rng.choices("MF", [0.7, 0.3])[0]
        head_year = REFERENCE_YEAR - rng.choices(
            [rng.randint(18, 25), rng.randint(26, 35), rng.randint(36, 50), rng.randint(51, 70)],
            [0.35, 0.4, 0.2, 0.05])[0]
        head = person("head", head_sex, self._given(origin, head_sex), family, self._birth(head_year))
        if size >= 2 and rng.random() < 0.5:
            # A spouse keeps her or his own family name, as is usual in these regions.
            sex = "F" if head_sex == "M" else "M"
            person("spouse", sex, self._given(origin, sex), self._pick(origin, "family"),
                   self._birth(head_year + rng.randint(-8, 8)))
        # Children need a parent old enough; siblings get different first given
        # names (parents rarely repeat one), except a child named after a parent.
        children_left = size - len(members) if REFERENCE_YEAR - head_year >= 20 else 0
        used = set(head.given)
        named_after = False
        year = rng.randint(head_year + 18, min(REFERENCE_YEAR, head_year + 32))
        while children_left > 0:
            # Siblings are born a year or more apart (twins aside).
            year += rng.choice((1, 2, 2, 3, 3, 4))
            if year > REFERENCE_YEAR:
                break
            birth = self._birth(year)
            sex = rng.choice("MF")
            if rng.random() < NAMED_AFTER_PARENT and sex == head_sex and not named_after:
                named_after = True
                given = list(head.given)
            else:
                given = self._fresh_given(origin, sex, used)
            used.update(given)
            child = person("child", sex, given, family, birth)
            self.relations.append((head.entity_id, child.entity_id, "parent_child"))
            children_left -= 1
            if children_left > 0 and rng.random() < TWINS:
                twin_sex = rng.choice("MF")
                twin_given = self._fresh_given(origin, twin_sex, used)
                used.update(twin_given)
                twin = person("child", twin_sex, twin_given, family, birth)
                self.relations.append((child.entity_id, twin.entity_id, "twin"))
                self.relations.append((head.entity_id, twin.entity_id, "parent_child"))
                children_left -= 1
        children = [m for m in members if m.role == "child"]
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if a.birth != b.birth:
                    self.relations.append((a.entity_id, b.entity_id, "sibling"))
        for m in members:
            # Each person's usual spelling: mostly the canonical one.
            for name in [*m.given, m.family]:
                variants = VARIANTS[name][0]
                m.spellings[name] = (rng.choice(variants) if variants and rng.random() < 0.3
                                     else name)
        self.people.extend(members)
        return members

    # --- registrations ----------------------------------------------------
    def _spell(self, p: Person, name: str, noisy: bool, arabic: bool, flags: set[str]) -> str:
        variants, arabic_form = VARIANTS[name]
        if arabic and arabic_form:
            flags.add("arabic_script")
            return arabic_form
        spelling = p.spellings.get(name, name)  # a name added in this registration: as usual
        if noisy and variants and self.rng.random() < ERRORS["transliteration"]:
            options = [v for v in [name, *variants] if v != spelling]
            spelling = self.rng.choice(options)
            flags.add("transliteration")
        return spelling

    def _typo(self, text: str) -> str:
        rng = self.rng
        if len(text) < 3:
            return text
        i = rng.randrange(1, len(text))
        kind = rng.randrange(4)
        letters = "aeioubdkmnlrst"
        if kind == 0:
            return text[:i] + text[i + 1:]
        if kind == 1:
            return text[:i] + rng.choice(letters) + text[i:]
        if kind == 2:
            return text[:i] + rng.choice(letters) + text[i + 1:]
        if i < len(text) - 1:
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
        return text

    def _typos(self, text: str, flags: set[str]) -> str:
        """One edit with probability "typo", two with "typo2" (a part of it)."""
        draw = self.rng.random()
        if draw >= ERRORS["typo"]:
            return text
        flags.add("typo")
        text = self._typo(text)
        return self._typo(text) if draw < ERRORS["typo2"] else text

    def _phone_format(self, phone: str) -> str:
        local = phone[1:]
        return self.rng.choice([
            f"+212{local}", f"00212{local}", f"{phone[:2]} {phone[2:4]} {phone[4:6]} {phone[6:8]} {phone[8:]}",
            f"+212 {local[0]} {local[1:3]} {local[3:5]} {local[5:7]} {local[7:]}", f"212{local}",
            f"{phone[:2]}-{phone[2:4]}-{phone[4:6]}-{phone[6:8]}-{phone[8:]}",
        ])

    def registration(self, p: Person, first: bool) -> tuple[dict[str, str], set[str]]:
        rng = self.rng
        e = ERRORS
        flags: set[str] = set()
        noisy = not first
        arabic = noisy and p.origin in {"sudan_chad", "maghreb_middle_east"} and rng.random() < e["arabic_script"]
        given_names = list(p.given)
        if noisy and rng.random() < e["compound"]:
            flags.add("compound")
            if len(given_names) > 1:
                given_names = given_names[:1] if rng.random() < 0.5 else given_names[1:]
            elif p.sex == "M" and p.origin in MOHAMED_PREFIX and given_names[0] != "Mohamed":
                given_names = ["Mohamed", *given_names]
            else:
                extra = self._given(p.origin, p.sex)[0]
                given_names = [*given_names, extra] if extra not in given_names else given_names
        spelled = [self._spell(p, n, noisy, arabic, flags) for n in given_names]
        if noisy and not arabic and rng.random() < e["nickname"]:
            short = [i for i, n in enumerate(given_names) if n in NICKNAMES]
            if short:
                flags.add("nickname")
                spelled[short[0]] = NICKNAMES[given_names[short[0]]]
        given = " ".join(spelled)
        family = self._spell(p, p.family, noisy, arabic, flags)
        if noisy and not arabic and rng.random() < e["accents_case"]:
            flags.add("accents_case")
            given, family = rng.choice([(given.upper(), family.upper()), (given.lower(), family.lower()),
                                        (given.replace(" ", "-"), family.replace(" ", ""))])
        if noisy and not arabic:
            given = self._typos(given, flags)
            family = self._typos(family, flags)
        if noisy and rng.random() < e["swap"]:
            flags.add("swap")
            given, family = family, given

        year, month, day = p.birth
        birth = f"{year:04d}-{month:02d}-{day:02d}"
        if first:
            if rng.random() < FIRST_RECORD_YEAR_ONLY:
                birth = rng.choice([f"{year:04d}", f"{year:04d}-01-01"])
        else:
            draw = rng.random()
            cumulative = 0.0
            for name in ("dob_missing", "dob_year_only", "dob_placeholder", "dob_shift1",
                         "dob_shift_more", "dob_swap"):
                cumulative += e[name]
                if draw < cumulative:
                    flags.add(name)
                    if name == "dob_missing":
                        birth = ""
                    elif name == "dob_year_only":
                        birth = f"{year:04d}"
                    elif name == "dob_placeholder":
                        birth = rng.choice([f"{year:04d}-01-01", f"{year:04d}-12-31"])
                    elif name == "dob_shift1":
                        birth = f"{year + rng.choice((-1, 1)):04d}"
                    elif name == "dob_shift_more":
                        birth = f"{year + rng.choice((-1, 1)) * rng.randint(2, 5):04d}"
                    elif day <= 12 and day != month:
                        birth = f"{year:04d}-{day:02d}-{month:02d}"
                    else:
                        flags.discard(name)
                    break
        if birth[:4].isdigit() and int(birth[:4]) > REFERENCE_YEAR:
            birth = f"{REFERENCE_YEAR}"

        sex = p.sex
        if noisy and rng.random() < e["sex_missing"]:
            sex, _ = "", flags.add("sex_missing")
        elif noisy and rng.random() < e["sex_flip"]:
            sex, _ = ("F" if sex == "M" else "M"), flags.add("sex_flip")

        phone = p.phone
        if noisy:
            if rng.random() < e["phone_missing"]:
                phone, _ = "", flags.add("phone_missing")
            elif rng.random() < e["phone_changed"]:
                phone, _ = self._phone(), flags.add("phone_changed")
            if phone and rng.random() < e["phone_format"]:
                phone, _ = self._phone_format(phone), flags.add("phone_format")
        document = p.document
        if document and noisy and rng.random() < e["doc_missing"]:
            document = ""
        if document and noisy and rng.random() < e["doc_typo"]:
            document, _ = self._typo(document), flags.add("doc_typo")
        nationality = p.nationality
        if noisy and rng.random() < e["nationality_missing"]:
            nationality = ""
        elif noisy and rng.random() < e["nationality_other"]:
            nationality = rng.choice(["GIN", "MLI", "SEN", "CIV", "CMR", "NGA"])
        region = p.region
        if noisy and rng.random() < e["region_changed"]:
            region, _ = rng.choices(REGIONS, REGION_WEIGHTS)[0], flags.add("region_changed")
        return {
            "given_name": given, "family_name": family, "sex": sex, "birth_date": birth,
            "nationality": nationality, "phone": phone, "document_number": document,
            "region": region, "partner": rng.choice(PARTNERS),
        }, flags


def generate(n_records: int, seed: int, out: Path) -> dict[str, object]:
    gen = Generator(seed)
    rng = gen.rng
    rows: list[tuple[dict[str, str], Person, set[str]]] = []
    number = 0
    while len(rows) < n_records:
        for p in gen.household(number):
            copies = rng.choices([k for k, _ in DUPLICATES], [w for _, w in DUPLICATES])[0]
            for i in range(copies):
                record, flags = gen.registration(p, first=i == 0)
                rows.append((record, p, flags))
        number += 1
    rows = rows[:n_records]
    rng.shuffle(rows)

    out.mkdir(parents=True, exist_ok=True)
    by_entity: dict[str, list[str]] = defaultdict(list)
    with (out / "records.csv").open("w", encoding="utf-8", newline="") as rec_file, \
            (out / "truth.csv").open("w", encoding="utf-8", newline="") as truth_file:
        records = csv.DictWriter(rec_file, FIELDS)
        truth = csv.writer(truth_file)
        records.writeheader()
        truth.writerow(["record_id", "entity_id", "household_id", "errors"])
        for index, (record, person, flags) in enumerate(rows):
            record_id = f"R{index:07d}"
            records.writerow({"record_id": record_id, **record})
            truth.writerow([record_id, person.entity_id, person.household_id, ";".join(sorted(flags))])
            by_entity[person.entity_id].append(record_id)

    # Hard negatives: one pair per related couple (their first records), and
    # pairs of distinct people with the same name who were born within two years.
    hard: list[tuple[str, str, str]] = []
    for a, b, kind in gen.relations:
        if by_entity.get(a) and by_entity.get(b):
            hard.append((by_entity[a][0], by_entity[b][0], kind))
    by_name: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for p in gen.people:
        if by_entity.get(p.entity_id):
            by_name[(p.given[0], p.family)].append(p)
    households_of = {p.entity_id: p.household_id for p in gen.people}
    collisions = 0
    for people in by_name.values():
        people.sort(key=lambda p: p.birth)
        for i, a in enumerate(people):
            for b in people[i + 1:i + 4]:
                if b.birth[0] - a.birth[0] > 2:
                    break
                if households_of[a.entity_id] != households_of[b.entity_id]:
                    hard.append((by_entity[a.entity_id][0], by_entity[b.entity_id][0], "common_name"))
                    collisions += 1
    with (out / "hard_negatives.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id_a", "record_id_b", "kind"])
        writer.writerows(hard)

    sizes = [len(v) for v in by_entity.values()]
    kinds: dict[str, int] = defaultdict(int)
    for *_, kind in hard:
        kinds[kind] += 1
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "records": len(rows),
        "entities": len(by_entity),
        "true_pairs": sum(n * (n - 1) // 2 for n in sizes),
        "hard_negative_pairs": dict(sorted(kinds.items())),
        "errors": ERRORS,
        "duplicates": DUPLICATES,
        "household_sizes": HOUSEHOLD_SIZES,
        "zipf_s": ZIPF_S,
        "shared_phone": SHARED_PHONE,
        "has_document": HAS_DOCUMENT,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    manifest = generate(args.records, args.seed, args.out)
    print(json.dumps({k: manifest[k] for k in ("records", "entities", "true_pairs",
                                                  "hard_negative_pairs")}))


if __name__ == "__main__":
    main()
