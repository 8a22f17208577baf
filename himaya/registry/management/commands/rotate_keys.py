"""`himaya rotate-keys`: add an encryption key, re-encrypt every value under it, retire the old.

Each step leaves every value readable: the new key is added (old keys kept), the
values are re-encrypted in batches, each batch in its own transaction, and old
keys are removed from the file only with `--retire` once no value uses them.
`--blind-index` also replaces the index key and recomputes every keyed hash.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from himaya.registry import blind_index, encryption
from himaya.registry.fields import EncryptedTextField
from himaya.registry.models import Person, PersonDocument, SearchKey

BATCH = 500


def encrypted_models() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def count_under_keys(kids: set[str]) -> int:
    """How many stored values are still sealed under one of `kids` (read without decrypting)."""
    total = 0
    with connection.cursor() as cursor:
        for model, names in encrypted_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for name in names:
                column = connection.ops.quote_name(model._meta.get_field(name).column)
                for kid in kids:
                    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE %s",  # noqa: S608
                                   [f"{encryption.FORMAT}:{kid}:%"])
                    total += cursor.fetchone()[0]
    return total


def reencrypt_all(report: Any = None) -> int:
    """Rewrite every encrypted value under the current key; returns how many rows were saved."""
    rows = 0
    for model, names in encrypted_models():
        last = 0
        while True:
            with transaction.atomic():
                batch = list(model.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:BATCH])
                if not batch:
                    break
                model.objects.bulk_update(batch, names)
                last = batch[-1].pk
                rows += len(batch)
        if report:
            report(f"  {model._meta.label}: re-encrypted")
    return rows


@transaction.atomic
def recompute_indexes(key: bytes) -> None:
    """Every keyed hash under `key`, in one transaction: searches never see a mix."""
    import json

    from himaya.registry.services import person_snapshot

    people = list(Person.objects.prefetch_related("languages", "vulnerabilities", "documents"))
    for person in people:
        person.phone_index = blind_index.exact_digest("phone", person.phone, key)
        person.name_index = blind_index.exact_digest(
            "name", blind_index.fold(f"{person.given_name} {person.family_name}"), key)
        if person.external_id:
            # The first body cannot be recovered: a replay is compared with today's data.
            person.source_digest = blind_index.digest(
                "source", json.dumps(person_snapshot(person), sort_keys=True, ensure_ascii=False), key)
    Person.objects.bulk_update(people, ["phone_index", "name_index", "source_digest"],
                               batch_size=BATCH)
    documents = list(PersonDocument.objects.all())
    for document in documents:
        document.number_index = blind_index.exact_digest("document", document.number, key)
    PersonDocument.objects.bulk_update(documents, ["number_index"], batch_size=BATCH)
    SearchKey.objects.all().delete()
    SearchKey.objects.bulk_create(
        [SearchKey(person=person, digest=d)
         for person in people
         for d in blind_index.name_search_digests(
             [person.given_name, person.family_name, person.other_names], key)],
        batch_size=2000,
    )


class Command(BaseCommand):
    help = "Add a new encryption key and re-encrypt every identifier under it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--retire", action="store_true",
                            help="afterwards, remove keys that no stored value uses any more")
        parser.add_argument("--blind-index", action="store_true",
                            help="also replace the blind-index key and recompute every keyed hash")

    def handle(self, *args: Any, retire: bool = False, blind_index: bool = False, **options: Any) -> None:
        ring = encryption.keyring()
        old_ids = set(ring.keys)
        ring, new_id = ring.with_new_key()
        encryption.write_keyring(ring)
        self.stdout.write(f"Added key {new_id}; re-encrypting…")
        rows = reencrypt_all(self.stdout.write)
        left = count_under_keys(old_ids)
        self.stdout.write(f"{rows} rows rewritten; {left} values still under older keys.")
        if blind_index:
            self._rotate_index_key()
        if retire:
            if left:
                raise CommandError("Some values still use older keys: nothing retired.")
            encryption.write_keyring(encryption.keyring().without_keys(old_ids))
            self.stdout.write(f"Retired keys: {', '.join(sorted(old_ids))}.")
        self.stdout.write(self.style.SUCCESS(
            "Done. Back up the key file now: without it no identifier can be read."))

    def _rotate_index_key(self) -> None:
        import secrets

        ring = encryption.keyring()
        new_id = f"i{len(ring.index_keys) + 1}"
        while new_id in ring.index_keys:
            new_id += "x"
        key = secrets.token_bytes(encryption.KEY_BYTES)
        # The new key is written (not yet current) before the hashes change, so that a crash
        # between the two steps loses nothing: re-running finishes the job.
        staged = encryption.KeyRing(ring.current_id, ring.keys, ring.index_id,
                                    {**ring.index_keys, new_id: key})
        encryption.write_keyring(staged)
        recompute_indexes(key)
        encryption.write_keyring(encryption.KeyRing(ring.current_id, ring.keys, new_id,
                                                    {new_id: key}))
        self.stdout.write(f"Blind-index key replaced ({new_id}); keyed hashes recomputed.")
