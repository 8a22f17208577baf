"""Likely duplicates of a person about to be registered, in well under 300 ms.

Candidates come from the registry's blind indexes only (keyed hashes of the
folded name, of each name part's sound, of the phone and of document numbers,
and the birth year kept in clear), searched over the whole registry; the few
found are decrypted in memory and scored with the model's own comparison levels
(`compare.py`). What the user is shown depends on who they are:

- people in the user's own scope: code, name, year of birth and field-by-field agreement;
  a registration merged earlier into a person counts for that person (`aliases.py`);
- a probable match in another partner's caseload: only that a possible duplicate
  exists and how to reach the mission; the mission's data-protection officer gets
  a `RegistrationAlert` naming both.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Abs

from himaya.dedup import compare, local_names, names
from himaya.dedup.features import RecordError, record_features
from himaya.dedup.model import Thresholds
from himaya.dedup.records import SEX, for_records, person_record
from himaya.reference.models import Country, Region
from himaya.registry import blind_index, encryption
from himaya.registry.models import Person, PersonDocument, SearchKey
from himaya.registry.queries import people_visible_to
from himaya.registry.services import name_index_of

# At most this many people are decrypted and scored per check: the budget is 300 ms.
MAX_CANDIDATES = 120
# People sharing two name sounds are read as a list of ids; the commonest names
# ("Mamadou Diallo") are shared by a few hundred in 100,000.
SHARING_LIMIT = 3_000
SHOWN = 5
# The weight is log2 of the odds that the pair is one person, prior included. In the
# user's own scope a candidate is shown from even odds: a registrar glancing at a
# false one costs little, registering someone twice costs more. Another partner's
# person raises an alert only from the review weight, the review queue's own bar.
SHOW_FROM = 0.0
ALERT_FROM = Thresholds().review


@dataclass
class Match:
    person: Person  # the record that stands for the person now
    score: compare.PairScore
    through: Person | None = None  # the earlier registration, merged into `person`, that matched


@dataclass
class CheckResult:
    matches: list[Match] = field(default_factory=list)  # in the user's scope, strongest first
    elsewhere: bool = False  # a probable match the user may not see
    elsewhere_people: list[tuple[Person, float]] = field(default_factory=list)  # alert only
    candidates: int = 0
    elapsed_ms: float = 0.0


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _birth(raw: Mapping[str, Any]) -> str:
    date_text = _text(raw, "birth_date")
    if date_text:
        try:
            return dt.date.fromisoformat(date_text).isoformat()
        except ValueError:
            pass
    year = _text(raw, "birth_year")
    if year.isdigit() and len(year) == 4:
        return year
    age = _text(raw, "approximate_age")
    if age.isdigit() and int(age) < 120:
        return str(dt.date.today().year - int(age))  # noqa: DTZ011 - a calendar year
    return ""


def _code(model: Any, value: str, attribute: str, *, by_pk: bool) -> str:
    """The form sends a primary key, the API a code (ISO alpha-2/3, HCP code)."""
    if not value:
        return ""
    if by_pk:
        row = model.objects.filter(pk=int(value)).first() if value.isdigit() else None
    elif model is Country:
        row = model.objects.filter(Q(alpha3__iexact=value) | Q(alpha2__iexact=value)).first()
    else:
        row = model.objects.filter(code=value).first()
    return getattr(row, attribute) if row else ""


def _document(raw: Mapping[str, Any]) -> str:
    number = _text(raw, "document_number")
    documents = raw.get("documents")
    if not number and isinstance(documents, list) and documents:
        first = documents[0]
        number = str(first.get("number", "")) if isinstance(first, Mapping) else ""
    # As the registry normalises it before hashing (registry.validation).
    return "".join(number.split()).upper()


def record_from_input(raw: Mapping[str, Any], *, form: bool = False) -> dict[str, str]:
    """The engine's record for what has been typed so far (registry form or API body)."""
    return {
        "record_id": "new",
        "given_name": _text(raw, "given_name"),
        "family_name": _text(raw, "family_name"),
        "sex": SEX.get(_text(raw, "sex"), ""),
        "birth_date": _birth(raw),
        "nationality": _code(Country, _text(raw, "nationality"), "alpha3", by_pk=form),
        "phone": _text(raw, "phone"),
        "document_number": _document(raw),
        "region": _code(Region, _text(raw, "region"), "code", by_pk=form),
        "partner": "",
    }


def _sharing(digests: set[str], needed: int) -> list[int]:
    """Ids of people holding at least `needed` of `digests`, fetched first as a list.

    As a subquery, PostgreSQL misjudges how few people share two keys and scans every
    person for the birth-year filter (100 ms on 100,000); a short list of ids lets it
    use the primary key.
    """
    return list(SearchKey.objects.filter(digest__in=digests).values("person_id")
                .annotate(n=Count("digest")).filter(n__gte=needed)
                .values_list("person_id", flat=True)[:SHARING_LIMIT])


def candidate_ids(record: Mapping[str, str], limit: int = MAX_CANDIDATES) -> list[int]:
    """People sharing an indexed key with `record`, over the whole registry.

    A shared phone or document number always makes a candidate. A shared name (the
    folded full name, or the sounds of two name parts) makes one when the birth years
    are at most one apart or unknown, nearest year first: common names ("Fatoumata
    Diallo") are shared by hundreds, and the budget must go to the likeliest.
    """
    key = encryption.keyring().index_key
    given, family = record["given_name"], record["family_name"]
    birth = record["birth_date"][:4]
    year = int(birth) if birth.isdigit() else None
    found: dict[int, None] = {}  # insertion-ordered set

    def add(people: Any) -> None:
        if year is not None:
            people = people.filter(Q(birth_year__isnull=True)
                                   | Q(birth_year__range=(year - 1, year + 1)))
            people = people.order_by(Abs(F("birth_year") - year).asc(nulls_last=True), "-pk")
        for pk in people.values_list("pk", flat=True)[: limit - len(found)]:
            found.setdefault(pk)

    strong = Q(pk__in=[])
    phone = blind_index.normalise_phone(record["phone"]) if record["phone"] else ""
    if phone:
        strong |= Q(phone_index=blind_index.exact_digest("phone", phone, key))
    if record["document_number"]:
        doc = blind_index.exact_digest("document", record["document_number"], key)
        strong |= Q(pk__in=PersonDocument.objects.filter(number_index=doc).values("person_id"))
    for pk in Person.objects.filter(strong).order_by("-pk").values_list("pk", flat=True)[:limit]:
        found.setdefault(pk)

    if given and len(found) < limit:
        add(Person.objects.filter(name_index__in={name_index_of(given, family),
                                                  name_index_of(family, given)}))
    # Sounds of the name parts: a person must share the sounds of two parts (either order).
    # Each part is also looked for under the other spellings of its name in the equivalents
    # table (the mission's own lines included): "Kadi" finds a "Kadiatou" whose sound differs.
    tokens = [t for t in blind_index.tokens(f"{given} {family}") if t]
    digests: set[str] = set()
    searched_parts = 0
    for token in tokens:
        before = len(digests)
        for spelling in (token, *names.spellings_of(token)):
            sound = blind_index.sound_key(spelling)
            if len(sound) >= 2:
                digests.add(blind_index.digest("sound", sound, key))
            elif spelling == token:  # Ali → "l" would match half the registry: its prefix instead
                digests.add(blind_index.digest("prefix", token[: blind_index.PREFIX_MAX], key))
        searched_parts += len(digests) > before
    if digests and len(found) < limit:
        needed = min(2, searched_parts)
        add(Person.objects.filter(pk__in=_sharing(digests, needed)).exclude(pk__in=list(found)))
    # A typo or unknown spelling in one part: the other part's sound, the first two
    # letters of the damaged one and the same birth year (as the engine's blocking).
    if year is not None and len(tokens) >= 2 and len(found) < limit:
        for intact, damaged in ((tokens[-1], tokens[0]), (tokens[0], tokens[-1])):
            sound = blind_index.sound_key(intact)
            if len(sound) < 2 or len(damaged) < blind_index.PREFIX_MIN:
                continue
            pair = {blind_index.digest("sound", sound, key),
                    blind_index.digest("prefix", damaged[: blind_index.PREFIX_MIN], key)}
            for pk in (Person.objects.filter(pk__in=_sharing(pair, 2), birth_year=year)
                       .exclude(pk__in=list(found)).order_by("-pk")
                       .values_list("pk", flat=True)[: limit - len(found)]):
                found.setdefault(pk)
    return list(found)[:limit]


def registration_check(user: Any, raw: Mapping[str, Any], *, form: bool = False) -> CheckResult:
    """Likely duplicates of the person described by `raw`, split by what `user` may see."""
    started = time.perf_counter()
    local_names.sync()
    record = record_from_input(raw, form=form)
    result = CheckResult()
    if not record["given_name"] and not record["phone"] and not record["document_number"]:
        return result
    try:
        mine = record_features(record)
    except RecordError:
        record["birth_date"] = ""  # an impossible date typed so far: judge the rest
        mine = record_features(record)
    ids = candidate_ids(record)
    result.candidates = len(ids)
    if not ids:
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result
    found = list(for_records(Person.objects.filter(pk__in=ids)))
    # A registration merged earlier speaks for the person it was merged into (aliases.py).
    standing = {p.pk: p.current_survivor().pk if p.merged_into_id else p.pk for p in found}
    missing = set(standing.values()) - {p.pk for p in found}
    found += list(for_records(Person.objects.filter(pk__in=missing)))
    scores = compare.score_feature_pairs(
        [(mine, record_features(person_record(p))) for p in found])
    people = {p.pk: p for p in found}
    visible = set(people_visible_to(user).filter(pk__in=list(people)).values_list("pk", flat=True))
    best: dict[int, tuple[compare.PairScore, Person | None, bool]] = {}
    for person, score in zip(found, scores, strict=True):
        survivor = standing.get(person.pk, person.pk)
        through = person if survivor != person.pk else None
        mine_to_see = survivor in visible
        if mine_to_see and through is not None and through.pk not in visible:
            continue  # another caseload's registration must not show through a visible person
        if survivor not in best or score.weight > best[survivor][0].weight:
            best[survivor] = (score, through, mine_to_see)
    ranked = sorted(best.items(), key=lambda item: -item[1][0].weight)
    for pk, (score, through, mine_to_see) in ranked:
        if score.weight < SHOW_FROM:
            break
        if mine_to_see:
            if len(result.matches) < SHOWN:
                result.matches.append(Match(people[pk], score, through))
        elif score.weight >= ALERT_FROM:
            result.elsewhere = True
            result.elsewhere_people.append((people[pk], score.weight))
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result
