"""P17 with deduplication: a merge keeps both records, encrypted, to be undone; when either
person is anonymised (erasure or retention) nothing of theirs may stay in that snapshot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from himaya.dedup.models import Merge
from himaya.dedup.services import person_merge, person_unmerge
from himaya.protection.services import erasure_request_decide, erasure_request_record
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _stored_snapshot(merge: Merge) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM dedup_merge WHERE id = %s", [merge.pk])
        return cursor.fetchone()[0]


def _merged(world):  # noqa: ANN001, ANN202
    keep = make_person(world.partner_a, given_name="Kadiatou", family_name="Bah", phone="0612345678")
    gone = make_person(world.partner_a, given_name="Kadiatou", family_name="Ba", phone="0612345679",
                       documents=[{"kind": "passport", "number": "KB1234567"}])
    other = make_person(world.partner_a, given_name="Fanta", family_name="Keita")
    other_merge = person_merge(survivor=other, absorbed=make_person(world.partner_a, given_name="Fanta"),
                               actor=None)
    return keep, gone, person_merge(survivor=keep, absorbed=gone, actor=None), other_merge


@pytest.mark.parametrize("who", ["absorbed", "survivor"])
def test_anonymising_a_merged_person_wipes_the_merge_snapshot(world, who):
    keep, gone, merge, other_merge = _merged(world)
    # The snapshot is there, encrypted, and holds what un-merging needs.
    assert _stored_snapshot(merge) and "Kadiatou" not in _stored_snapshot(merge)
    assert merge.snapshot
    person = gone if who == "absorbed" else keep
    request = erasure_request_record(actor=None, person=person, received_on=dt.date.today(),
                                     channel="in_person")
    erasure_request_decide(actor=None, request=request, decision="erase")

    merge.refresh_from_db()
    assert _stored_snapshot(merge) == "" and merge.snapshot == ""
    assert "dedup.merge_snapshots" in request.__class__.objects.get(pk=request.pk).wiped
    # The merge stands (the absorbed record still points to its survivor)...
    gone.refresh_from_db()
    assert gone.merged_into_id == keep.pk and merge.undone_at is None
    # ...but can no longer be undone, with a reason rather than an error page.
    with pytest.raises(ValidationError):
        person_unmerge(merge=merge, actor=None)
    # Someone else's merge keeps its snapshot, and is still undone exactly.
    assert _stored_snapshot(other_merge)
    assert person_unmerge(merge=other_merge, actor=None).undone_at is not None
