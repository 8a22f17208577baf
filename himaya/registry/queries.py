"""Reads of people and households, always scoped to the user.

Partner staff see their association's caseload; protection officers the people of
their regions; programme managers and administrators everyone; M&E officers
everyone but pseudonymised (codes, no identifiers); outside roles no one.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from himaya.accounts.roles import MISSION_STAFF, PARTNER_STAFF, Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.audit.models import AuditEvent
from himaya.organisations.models import Organisation
from himaya.registry import blind_index, codes, encryption
from himaya.registry.models import Household, Person, SearchKey

# Who may open the registry at all, and who may see who a person is.
PERSON_READERS = MISSION_STAFF | PARTNER_STAFF
IDENTITY_READERS = PERSON_READERS - {Role.ME_OFFICER}
REGISTRARS = IDENTITY_READERS
SEARCH_LIMIT = 50
# Ranked candidates per kind of match, per person shown: the newest 100 matches for 50 shown.
# Twice as many cost twice the time (a 99th percentile of 116 ms of work instead of ~60 on
# 1,000,000 people) for a list that typing one more letter narrows anyway.
CANDIDATES = 2


def people_visible_to(user: Any) -> QuerySet[Person]:
    scope = scope_for(user)
    qs = Person.objects.select_related("organisation", "nationality", "region")
    if scope.has_role(Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER, Role.ME_OFFICER):
        return qs
    if scope.has_role(Role.PROTECTION_OFFICER):
        regions = scope.region_ids
        # Where the person lives; where that is not recorded, where their association works.
        return qs.filter(
            Q(region_id__in=regions) | Q(region__isnull=True, organisation__region_id__in=regions)
        )
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def people_listed_to(user: Any) -> QuerySet[Person]:
    """The people a list, a search, a count or an export shows: records absorbed by a merge
    are left out (the survivor stands for them), so no one is counted twice. A single
    record is still opened through `people_visible_to` (its page points to the survivor)."""
    return people_visible_to(user).filter(merged_into__isnull=True)


def sees_identity(user: Any) -> bool:
    """Whether names, phones and documents may be shown to this user (M&E: never)."""
    return scope_for(user).role in IDENTITY_READERS


def sees_sensitive(user: Any) -> bool:
    """Protection criteria (violence, trafficking, health) are for those who act on them."""
    return sees_identity(user)


def person_for_user(user: Any, pk: Any) -> Person:
    return fetch_or_404(people_visible_to(user), pk=pk)


def survivor_for_user(user: Any, person: Person) -> Person | None:
    """The record that now stands for an absorbed one, when this user may see it (the
    registry's scope: association, regions, role); None otherwise, or when no user is known.
    Whoever may not open the survivor is not told its code (P2, decision 0204)."""
    if person.merged_into_id is None:
        return None
    survivor = person.current_survivor()
    return survivor if people_visible_to(user).filter(pk=survivor.pk).exists() else None


def households_visible_to(user: Any) -> QuerySet[Household]:
    scope = scope_for(user)
    qs = Household.objects.select_related("organisation")
    if scope.has_role(Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER, Role.ME_OFFICER):
        return qs
    if scope.has_role(Role.PROTECTION_OFFICER):
        return qs.filter(members__person__in=people_visible_to(user)).distinct()
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def household_for_user(user: Any, pk: Any) -> Household:
    return fetch_or_404(households_visible_to(user), pk=pk)


def organisation_for_registration(user: Any) -> Organisation | None:
    """The owner of what this user registers: their association, or the mission."""
    scope = scope_for(user)
    if scope.role not in REGISTRARS or scope.organisation_id is None:
        return None
    return Organisation.objects.get(pk=scope.organisation_id)


def person_by_code(user: Any, raw: str) -> Person | None:
    code = codes.normalise(raw)
    if not codes.is_valid(code):
        return None
    return people_visible_to(user).filter(code=code).first()


def _looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 6 and all(ch.isdigit() or ch in "+-. ()" for ch in text)


def _search_parts(visible: QuerySet[Person], query: str) -> tuple[Q | None, Q | None, Q | None]:
    """The conditions a search text sets: by code, by phone, by name (None: not that kind)."""
    text = query.strip()
    if not text:
        return None, None, None
    code = codes.normalise(text)
    by_code = Q(code__startswith=code) if len(code) >= 4 and code.isalnum() else None
    if _looks_like_phone(text):
        phone = blind_index.normalise_phone(text)
        return by_code, Q(phone_index=blind_index.exact_digest("phone", phone)) if phone else None, None
    usable = [t for t in blind_index.tokens(text) if len(t) >= blind_index.PREFIX_MIN]
    if not usable:
        return by_code, None, None
    key = encryption.keyring().index_key
    first, *others = [blind_index.query_digests(token, key) for token in usable]
    # A person must match every word typed. The first word picks people from the search
    # keys' (digest, person) index; each further word is checked on those people only
    # (EXISTS on the (person, digest) index). No join, so no duplicates and no DISTINCT.
    by_name = Q(pk__in=SearchKey.objects.filter(digest__in=first).values("person_id"))
    for digests in others:
        by_name &= Q(Exists(SearchKey.objects.filter(person_id=OuterRef("pk"), digest__in=digests)))
    return by_code, None, by_name


def people_matching_parts(user: Any, query: str, within: QuerySet | None = None) -> list[QuerySet[Person]]:
    """The id queries behind `people_matching`, one per kind of match (code, phone, name).

    Each is its own query so that PostgreSQL can answer it from that kind's index (the code's
    pattern index, the phone's blind index, the search keys' (digest, person) index); an OR
    of the three in one query cannot use them and reads the registry instead (decision 0202).
    `within` (ids, e.g. a distribution's list) bounds each part.
    """
    visible = people_listed_to(user)
    parts = []
    for condition in _search_parts(visible, query):
        if condition is not None:
            part = visible.filter(condition)
            if within is not None:
                part = part.filter(pk__in=within)
            parts.append(part.order_by().values_list("pk", flat=True))
    return parts


def people_matching(user: Any, query: str, within: QuerySet | None = None) -> QuerySet[Person]:
    """People in the user's scope matching a name (tolerant), a code or a phone number,
    in the registry's order (newest first). For searches bounded by something else (the
    check-in's distribution list, passed as `within`); search as you type uses `people_search`.
    """
    visible = people_listed_to(user)
    parts = people_matching_parts(user, query, within)
    if not parts:
        return visible.none()
    ids: set[int] = set()
    for part in parts:
        ids.update(part)
    return visible.filter(pk__in=sorted(ids))


def people_search(user: Any, query: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    """Matches ranked by closeness of the name to what was typed (decrypted in memory only).

    Each kind of match is its own query, newest registrations first: an OR of "code
    starts with" and "name matches" makes PostgreSQL scan the whole registry, where
    each alone is an index look-up (bench/registry_search.py, 1,000,000 people).
    """
    visible = people_listed_to(user)
    # Three steps, each cheap at a million people: the newest matching ids (from indexes
    # alone: search keys by digest, people by organisation and id), then those people with
    # only what ranking reads (three names to decrypt, not six fields), then the people
    # shown, whole. One query reading whole rows while it looks for matches read tens of
    # thousands of them for a rare name in a partner's caseload.
    ids: list[int] = []
    for condition in _search_parts(visible, query):
        if condition is not None:
            ids += visible.filter(condition).order_by("-pk").values_list("pk", flat=True)[: limit * CANDIDATES]
    light = Person.objects.only("pk", "code", "given_name", "family_name", "other_names")
    found = light.in_bulk(ids)
    candidates = {pk: found[pk] for pk in ids if pk in found}  # newest first among equals
    folded = blind_index.fold(query)
    code = codes.normalise(query)

    def closeness(person: Person) -> tuple[int, float]:
        if person.code.startswith(code) and len(code) >= 4:
            return (0, 0.0)
        name = blind_index.fold(f"{person.given_name} {person.family_name} {person.other_names}")
        starts = any(token.startswith(folded.split()[0]) for token in name.split()) if folded else False
        return (1 if starts else 2, -difflib.SequenceMatcher(None, folded, name).ratio())

    ranked = sorted(candidates.values(), key=closeness)[:limit]
    whole = visible.in_bulk([person.pk for person in ranked])
    found_people = [whole[person.pk] for person in ranked if person.pk in whole]
    if codes.is_valid(code):
        # A full code, read off a card printed before a merge, still finds its record (which
        # says whom it was merged into); partial codes and names never list absorbed records.
        absorbed = people_visible_to(user).filter(code=code, merged_into__isnull=False).first()
        if absorbed is not None:
            found_people.insert(0, absorbed)
    return found_people


def person_audit_trail(person: Person) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="registry.person", object_id=str(person.pk))


def mask_phone(phone: str) -> str:
    """+212612345678 → +212 •••• ••78: enough to recognise, not to call."""
    if not phone:
        return ""
    return f"{phone[:4]} •••• ••{phone[-2:]}"


def mask_number(number: str) -> str:
    return "•" * max(len(number) - 2, 2) + number[-2:] if number else ""
