"""Registry people as the engine's records (decrypted in memory only, never written)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from himaya.registry.models import BirthPrecision, Person, PersonDocument

SEX = {"female": "F", "male": "M"}
BATCH = 2_000


def birth_text(person: Any) -> str:
    """`YYYY-MM-DD` when the date is exact, `YYYY` when only the year (or age) is known."""
    if person.birth_precision == BirthPrecision.EXACT and person.birth_date:
        return person.birth_date
    return str(person.birth_year) if person.birth_year else ""


def person_record(person: Person) -> dict[str, str]:
    documents = getattr(person, "_dedup_documents", None)
    if documents is None:
        documents = list(person.documents.all())
    return {
        "record_id": str(person.pk),
        "given_name": person.given_name or "",
        "family_name": person.family_name or "",
        "sex": SEX.get(person.sex, ""),
        "birth_date": birth_text(person),
        "nationality": person.nationality.alpha3 if person.nationality_id else "",
        "phone": person.phone or "",
        # The engine compares one document; the first registered is the likeliest to recur.
        "document_number": documents[0].number if documents else "",
        "region": person.region.code if person.region_id else "",
        "partner": str(person.organisation_id),
    }


def for_records(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.select_related("nationality", "region").prefetch_related(
        Prefetch("documents", queryset=PersonDocument.objects.order_by("pk"),
                 to_attr="_dedup_documents"),
    )


def iter_records(people: QuerySet[Person], batch: int = BATCH) -> Iterator[dict[str, str]]:
    """Records of `people`, read in primary-key batches so memory stays flat."""
    last = 0
    base = for_records(people).order_by("pk")
    while True:
        chunk = list(base.filter(pk__gt=last)[:batch])
        if not chunk:
            return
        for person in chunk:
            yield person_record(person)
        last = chunk[-1].pk


def records_of(people: Iterable[Person]) -> list[dict[str, str]]:
    return [person_record(p) for p in people]
