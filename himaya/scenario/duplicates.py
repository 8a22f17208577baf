"""The scenario's second registrations, found and reviewed as the mission would.

About one adult in thirty registered again, with the same association months later or
with another one after moving: another spelling of the name (Fatoumata/Fatimata,
Mohamed/Mohammed), names swapped, written in Arabic script, a birth year where the first
clerk wrote the date, a new phone or the same one typed another way, the passport again
or not. Each goes through the registry's own service, as an agent would register it.

Then the mission's data-protection officer runs deduplication over the whole registry
(the real engine, trained on these records) and works part of the queue: the strongest
true pairs merged, a few namesakes judged different people, one pair left unsure, one
merge undone; the rest waits in the queue. A partner's agent typing someone another
partner registered raises an alert. Nothing earlier in the scenario changes: this layer
has its own random source.
"""

from __future__ import annotations

import random
from typing import Any

from himaya.dedup import services as dedup
from himaya.dedup.model import Thresholds
from himaya.dedup.models import CandidatePair, DedupRun, PairStatus
from himaya.dedup.names import default_equivalents, tokens
from himaya.dedup.registration import registration_check
from himaya.registry.models import BirthPrecision, Person
from himaya.registry.services import person_register
from himaya.registry.validation import normalise_phone, person_data_validate
from himaya.scenario.people import ARABIC, TODAY
from himaya.scenario.world import DEMO_SEED, DemoWorld

SHARE = 1 / 30  # adults registered a second time
MERGED = 30  # true pairs the officer merges, strongest first
JUDGED_DIFFERENT = 4
CONSENTS = [{"purpose": p, "legal_basis": "consent"} for p in ("registration", "assistance")]


def _variants() -> dict[str, list[str]]:
    """Folded name part → the other Latin spellings of its group (equivalents table)."""
    table = default_equivalents()
    by_group: dict[str, list[str]] = {}
    for part, group in table.group_of.items():
        if part.isascii():
            by_group.setdefault(group, []).append(part)
    return {part: [v for v in by_group.get(group, []) if v != part]
            for part, group in table.group_of.items()}


def _respell(rng: random.Random, name: str, variants: dict[str, list[str]]) -> str:
    parts = tokens(name)
    if len(parts) == 1 and variants.get(parts[0]):
        return rng.choice(variants[parts[0]]).capitalize()
    return name


def _again(rng: random.Random, original: Person, region: str,
           variants: dict[str, list[str]]) -> dict[str, Any]:
    """What a second clerk writes down for `original`."""
    given, family = original.given_name, original.family_name
    if rng.random() < 0.5:
        given = _respell(rng, given, variants)
    if rng.random() < 0.2:
        family = _respell(rng, family, variants)
    if rng.random() < 0.08:
        given, family = ARABIC.get(given, given), ARABIC.get(family, family)
    if rng.random() < 0.1:
        given, family = family, given
    raw: dict[str, Any] = {
        "given_name": given, "family_name": family, "sex": original.sex,
        "nationality": original.nationality.alpha2 if original.nationality_id else "",
        "region": region, "consents": CONSENTS,
    }
    if original.birth_precision == BirthPrecision.EXACT and rng.random() < 0.5:
        raw["birth_date"] = original.birth_date
    elif original.birth_year:
        raw["birth_year"] = str(original.birth_year + (rng.choice((-1, 1)) if rng.random() < 0.15 else 0))
    roll = rng.random()
    # (The first layer's numbers are random; only those the registry accepts are retyped.)
    if original.phone and normalise_phone(original.phone) and roll < 0.5:
        digits = original.phone.removeprefix("+212")
        raw["phone"] = f"0{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
    elif roll < 0.8:
        raw["phone"] = f"+2126{rng.choice('1256')}{rng.randrange(10**7):07d}"
    documents = list(original.documents.all())
    if documents and rng.random() < 0.6:
        raw["documents"] = [{"kind": documents[0].kind, "number": documents[0].number}]
    return raw


def build(world: DemoWorld) -> None:
    rng = random.Random(DEMO_SEED + 4)
    partners = list(world["partners"])
    variants = _variants()
    people = list(Person.objects.filter(pk__in=world["people"], birth_year__lte=TODAY.year - 18)
                  .select_related("organisation", "nationality").order_by("pk"))
    originals = rng.sample(people, k=round(len(people) * SHARE))
    again: dict[int, int] = {}  # second registration → the person registered first
    for original in originals:
        moved = rng.random() < 0.4
        partner = (rng.choice([p for p in partners if p.pk != original.organisation_id])
                   if moved else original.organisation)
        agent = world[f"user:{partner.code.removeprefix('asso-')}-agent"]
        data = person_data_validate(_again(rng, original, partner.region.code, variants))
        second = person_register(actor=agent, organisation=partner, data=data).person
        again[second.pk] = original.pk
    world["second_registrations"] = again

    officer = world["user:protection"]
    thresholds = Thresholds()
    run = DedupRun.objects.create(started_by=officer, auto_merge=thresholds.auto_merge,
                                  review=thresholds.review)
    dedup.dedup_run(run=run)
    world["dedup_run"] = run.pk

    def true(pair: CandidatePair) -> bool:
        low, high = pair.person_low_id, pair.person_high_id
        return again.get(high) == low or again.get(low) == high

    pending = list(CandidatePair.objects.filter(status=PairStatus.PENDING).order_by("-weight", "pk"))
    merged = [p for p in pending if true(p)][:MERGED]
    for pair in merged:
        dedup.pair_decide(pair=pair, decision=PairStatus.SAME, actor=officer)
    for pair in [p for p in pending if not true(p)][:JUDGED_DIFFERENT]:
        dedup.pair_decide(pair=pair, decision=PairStatus.DIFFERENT, actor=officer)
    unsure = next((p for p in pending if true(p) and p not in merged), None)
    if unsure is not None:
        dedup.pair_decide(pair=unsure, decision=PairStatus.UNSURE, actor=officer)
    if merged:  # merged too fast: the officer takes one back, and it returns to the queue
        dedup.person_unmerge(merge=merged[-1].merges.get(undone_at__isnull=True), actor=officer)

    # An agent of another association starts registering someone already registered.
    person = next((p for p in originals if not p.documents.exists() and p.phone), None)
    if person is None:
        return
    partner = next(p for p in partners if p.pk != person.organisation_id)
    agent = world[f"user:{partner.code.removeprefix('asso-')}-agent"]
    typed = {"given_name": person.given_name, "family_name": person.family_name,
             "sex": person.sex, "birth_year": str(person.birth_year), "phone": person.phone}
    result = registration_check(agent, typed)
    dedup.registration_check_record(actor=agent, organisation=partner, result=result,
                                    given_name=typed["given_name"], family_name=typed["family_name"])
