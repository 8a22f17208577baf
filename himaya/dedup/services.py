"""Writes: runs, decisions, merges and un-merges; each one transaction, audited."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.audit.services import audit_record
from himaya.dedup import aliases, compare, local_names, names, queries
from himaya.dedup.aliases import AliasMap
from himaya.dedup.matching import deduplicate
from himaya.dedup.merging import merge_rows, unmerge_rows
from himaya.dedup.model import ModelStore, Thresholds
from himaya.dedup.models import (
    CandidatePair,
    Decision,
    DedupRun,
    Merge,
    NameEquivalent,
    PairStatus,
    ProgrammeThresholds,
    RegistrationAlert,
)
from himaya.dedup.records import iter_records, person_record
from himaya.dedup.tasks import MERGE_STRONG_JOB, RUN_JOB
from himaya.organisations.models import Organisation, Programme
from himaya.registry.models import Person
from himaya.registry.services import person_clear_merged, person_mark_merged

Progress = Callable[[int, int, str], None]
# Phases of a run, in order, for the progress bar.
PHASES = ("load", "features", "train", "predict", "cluster", "store")


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@transaction.atomic
def dedup_run_start(
    *, actor: Any, organisation: Organisation | None = None, programme: Programme | None = None,
) -> DedupRun:
    """Record a run and queue it as a job (the page then shows its progress bar)."""
    from himaya.jobs.services import job_start

    thresholds = queries.thresholds_for(programme)
    run = DedupRun.objects.create(
        started_by=actor, organisation=organisation, programme=programme,
        auto_merge=thresholds.auto_merge, review=thresholds.review,
    )
    run.job = job_start(kind=RUN_JOB, owner=actor,
                        organisation_id=organisation.pk if organisation else None,
                        parameters={"run": run.pk})
    run.save(update_fields=["job"])
    audit_record(actor=actor, kind="create", action="dedup.run.start", target=run,
                 organisation_id=organisation.pk if organisation else None)
    return run


def dedup_run(*, run: DedupRun, progress: Progress | None = None) -> DedupRun:
    """Run the engine over the run's scope and store what a reviewer must see.

    Pairs judged "different people" are passed to the engine as cannot-links and
    are never proposed again; pairs already decided keep their decision.
    Registrations merged earlier take part as evidence for their survivor
    (`aliases.py`): pairs are stored between the people that stand now.
    """
    def step(phase: str) -> None:
        if progress:
            progress(PHASES.index(phase) + 1, len(PHASES), phase)

    DedupRun.objects.filter(pk=run.pk).update(status=DedupRun.Status.RUNNING)
    started = time.perf_counter()
    local_names.sync()  # the programme's own name equivalences, as they are now
    people = queries.active_people()
    if run.organisation_id:
        people = people.filter(organisation_id=run.organisation_id)
    records = list(iter_records(people))
    by_id = {r["record_id"]: r for r in records}
    alias = AliasMap.of(aliases.absorbed_of((int(i) for i in by_id),
                                            organisation_id=run.organisation_id))
    merged_away = Person.objects.filter(merged_into__isnull=False)
    if run.organisation_id:
        merged_away = merged_away.filter(organisation_id=run.organisation_id)
    earlier = ([r for r in iter_records(merged_away) if alias.is_alias(r["record_id"])]
               if alias.to_survivor else [])
    step("load")
    ids = {int(i) for i in by_id} | {int(r["record_id"]) for r in earlier}
    thresholds = Thresholds(auto_merge=run.auto_merge, review=run.review)
    timings: dict[str, float] = {"load": round(time.perf_counter() - started, 2)}
    review: list[tuple[str, str, float]] = []
    auto_pairs: list[tuple[str, str]] = []
    kept_apart: dict[tuple[str, str], str] = {}
    version = ""
    if len(records) >= 2:
        result = deduplicate(records + earlier, store=ModelStore(), thresholds=thresholds,
                             cannot_link=queries.cannot_link(ids), must_link=alias.must_link(),
                             on_phase=lambda phase: step(phase) if phase in PHASES else None)
        timings.update({k: round(v, 2) for k, v in result.timings.items()})
        review = alias.people_pairs(result.review)
        kept_apart = {alias.people_key(a, b): why for (a, b), why in result.kept_apart.items()
                      if alias.person(a) != alias.person(b)}
        version = str(result.model.metadata.get("version") or
                      f"trained {result.model.metadata.get('trained_at', '')}")[:40]
        members: dict[str, set[str]] = defaultdict(set)
        for record_id, cluster_id in result.clusters.items():
            members[cluster_id].add(alias.person(record_id))
        for ids_in in members.values():
            first, *others = sorted(ids_in, key=int)
            auto_pairs += [(first, other) for other in others]
    began = time.perf_counter()
    counts = _store_pairs(run, by_id, review, auto_pairs, thresholds, kept_apart,
                          alias=alias, earlier={r["record_id"]: r for r in earlier})
    timings["store"] = round(time.perf_counter() - began, 2)
    step("store")
    DedupRun.objects.filter(pk=run.pk).update(
        status=DedupRun.Status.DONE, records=len(records), model_version=version,
        timings=timings, finished_at=timezone.now(), **counts,
    )
    run.refresh_from_db()
    audit_record(actor=run.started_by, kind="change", action="dedup.run.finish", target=run,
                 organisation_id=run.organisation_id,
                 reason=f"{run.records} people, {run.pairs_review} to review, {run.pairs_auto} auto")
    return run


def _best_scores(
    keys: list[tuple[int, int]], by_id: dict[str, dict[str, str]],
    alias: AliasMap, earlier: dict[str, dict[str, str]],
) -> list[tuple[compare.PairScore, bool]]:
    """Each pair of people scored on its strongest pair of registrations, and whether
    that pair involves one merged into either person (shown on the review page)."""
    records = {**earlier, **by_id}
    combos: list[tuple[int, str, str]] = []
    for index, (low, high) in enumerate(keys):
        for a in alias.records_of(str(low)):
            for b in alias.records_of(str(high)):
                combos.append((index, a, b))
    scores = compare.score_records([(records[a], records[b]) for _, a, b in combos])
    best: list[tuple[compare.PairScore, bool] | None] = [None] * len(keys)
    for (index, a, b), score in zip(combos, scores, strict=True):
        current = best[index]
        if current is None or score.weight > current[0].weight:
            best[index] = (score, alias.is_alias(a) or alias.is_alias(b))
    return [b for b in best if b is not None]


@transaction.atomic
def _store_pairs(
    run: DedupRun, by_id: dict[str, dict[str, str]], review: list[tuple[str, str, float]],
    auto_pairs: list[tuple[str, str]], thresholds: Thresholds,
    kept_apart: dict[tuple[str, str], str] | None = None,
    *, alias: AliasMap | None = None, earlier: dict[str, dict[str, str]] | None = None,
) -> dict[str, int]:
    """Store the run's pairs. The band follows the clusters, not the weight: a pair
    whose records were merged is "auto"; every other pair is "review", including
    one above the automatic-merge weight that a contradiction kept apart (its
    reason is stored in `kept_apart` and shown on the review page)."""
    wanted: dict[tuple[int, int], str] = {}
    why: dict[tuple[int, int], str] = {}
    for (a, b), reason in (kept_apart or {}).items():
        if reason in CandidatePair.KeptApart.values:
            why[ordered(int(a), int(b))] = reason
    for a, b, _w in review:
        wanted[ordered(int(a), int(b))] = CandidatePair.Band.REVIEW
    for a, b in auto_pairs:
        wanted.setdefault(ordered(int(a), int(b)), CandidatePair.Band.AUTO)
    keys = list(wanted)
    # Per-field detail for the review page, scored with the model's own levels.
    scores = _best_scores(keys, by_id, alias or AliasMap(), earlier or {})
    # Every stored pair (a few per person at most): cheaper than a huge IN list.
    existing = {(p.person_low_id, p.person_high_id): p for p in CandidatePair.objects.all()}
    create, update = [], []
    known = 0
    for (low, high), (score, through) in zip(keys, scores, strict=True):
        band = wanted[(low, high)]
        reason = why.get((low, high), "") if band == CandidatePair.Band.REVIEW else ""
        if band == CandidatePair.Band.REVIEW and not reason and score.weight < thresholds.review:
            continue  # term frequencies put it in; on its own it is too weak to show
        cross = by_id[str(low)]["partner"] != by_id[str(high)]["partner"]
        pair = existing.get((low, high))
        if pair is None:
            create.append(CandidatePair(
                person_low_id=low, person_high_id=high, run=run, weight=score.weight, band=band,
                detail=score.detail(), cross_partner=cross, kept_apart=reason,
                through_merged=through,
            ))
        elif pair.status in (PairStatus.DIFFERENT, PairStatus.SAME):
            known += 1  # decided: never proposed again
        else:
            pair.run, pair.weight, pair.band, pair.detail = run, score.weight, band, score.detail()
            pair.kept_apart, pair.through_merged = reason, through
            update.append(pair)
    CandidatePair.objects.bulk_create(create, batch_size=1000)
    CandidatePair.objects.bulk_update(
        update, ["run", "weight", "band", "detail", "kept_apart", "through_merged", "updated_at"],
        batch_size=1000)
    stored = create + update
    return {
        "pairs_review": sum(p.band == CandidatePair.Band.REVIEW for p in stored),
        "pairs_auto": sum(p.band == CandidatePair.Band.AUTO for p in stored),
        "pairs_known": known,
    }


def dedup_run_fail(*, run: DedupRun, error: str) -> None:
    DedupRun.objects.filter(pk=run.pk).update(status=DedupRun.Status.FAILED, error=error[:2000],
                                              finished_at=timezone.now())


@transaction.atomic
def pair_decide(
    *, pair: CandidatePair, decision: str, actor: Any, keep: Person | None = None,
) -> Decision:
    """Record a reviewer's judgement; "same person" merges the pair at once.

    `keep` is the record that survives (the first registered one by default).
    """
    if decision not in (PairStatus.SAME, PairStatus.DIFFERENT, PairStatus.UNSURE):
        raise ValidationError(_("Choose same person, different people or unsure."))
    pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status == PairStatus.SAME:
        raise ValidationError(_("These two records have already been merged."))
    row = Decision.objects.create(pair=pair, decision=decision, decided_by=actor)
    pair.status = decision
    pair.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, kind="change", action=f"dedup.pair.{decision}", target=pair,
                 organisation_id=pair.person_low.organisation_id)
    if decision == PairStatus.SAME:
        survivor = keep or pair.person_low
        if survivor.pk not in (pair.person_low_id, pair.person_high_id):
            raise ValidationError(_("The record kept must be one of the pair."))
        absorbed = pair.person_high if survivor.pk == pair.person_low_id else pair.person_low
        person_merge(survivor=survivor, absorbed=absorbed, actor=actor, pair=pair)
    return row


# A weight outside this range merges everything or nothing: a typing error, not a choice.
THRESHOLD_RANGE = (-20.0, 40.0)


@transaction.atomic
def thresholds_set(
    *, programme: Programme, auto_merge: float, review: float, actor: Any,
) -> ProgrammeThresholds:
    """Set the weights a programme's runs use (decision 0310); audited with the old values."""
    low, high = THRESHOLD_RANGE
    if not (low <= review <= auto_merge <= high):
        raise ValidationError(_("The review weight must not exceed the automatic-merge weight, "
                                "and both must lie between %(low)s and %(high)s.")
                              % {"low": low, "high": high})
    row = ProgrammeThresholds.objects.select_for_update().filter(programme=programme).first()
    before = f"{row.auto_merge}/{row.review}" if row else "defaults"
    row, _created = ProgrammeThresholds.objects.update_or_create(
        programme=programme, defaults={"auto_merge": auto_merge, "review": review})
    audit_record(actor=actor, kind="change", action="dedup.thresholds.set", target=row,
                 reason=f"{programme.code}: {before} -> {auto_merge}/{review}")
    return row


@transaction.atomic
def thresholds_reset(*, programme: Programme, actor: Any) -> None:
    """Back to the engine's defaults for this programme."""
    deleted, _rows = ProgrammeThresholds.objects.filter(programme=programme).delete()
    if deleted:
        audit_record(actor=actor, kind="delete", action="dedup.thresholds.reset",
                     target=programme, reason=f"{programme.code}: back to the defaults")


@transaction.atomic
def strong_pairs_merge_start(*, run: DedupRun, actor: Any) -> Any:
    """Queue the merge of a finished run's strong pairs as a job (a progress bar)."""
    from himaya.jobs.services import job_start

    if run.status != DedupRun.Status.DONE:
        raise ValidationError(_("This run has not finished: there is nothing to merge yet."))
    job = job_start(kind=MERGE_STRONG_JOB, owner=actor, organisation_id=run.organisation_id,
                    parameters={"run": run.pk})
    audit_record(actor=actor, kind="change", action="dedup.run.merge_strong.start", target=run,
                 organisation_id=run.organisation_id)
    return job


def strong_pairs_merge(
    *, run: DedupRun, actor: Any, progress: Progress | None = None, system: bool = False,
) -> dict[str, int]:
    """Merge, group by group, the people a run found strong enough to merge on their own.

    Decision 0302 keeps a person between the engine and every merge; this is that person
    confirming a run's whole strong band at once (decision 0309). Each group is one
    person and one transaction. A group whose people changed since the run (one of them
    merged away, or two of them judged different people) is left to the queue, and a
    retry merges only what is still waiting: nothing is merged twice. `system`: the
    command line, with no user, over the run's whole scope.
    """
    groups = queries.strong_groups(run, actor, system=system)
    counts = {"groups": len(groups), "merged": 0, "left": 0}
    for done, group in enumerate(groups, start=1):
        try:
            counts["merged"] += _merge_group(group, actor=actor)
        except ValidationError:
            counts["left"] += 1
        if progress and (done % 25 == 0 or done == len(groups)):
            progress(done, len(groups), "merge")
    audit_record(actor=actor, kind="change", action="dedup.run.merge_strong", target=run,
                 organisation_id=run.organisation_id,
                 reason=f"{counts['merged']} people merged in {counts['groups'] - counts['left']} "
                        f"groups, {counts['left']} groups left to the queue")
    return counts


@transaction.atomic
def _merge_group(group: list[CandidatePair], *, actor: Any) -> int:
    """Merge one strong group into its first registered person; all or nothing."""
    ids = {i for pair in group for i in (pair.person_low_id, pair.person_high_id)}
    if CandidatePair.objects.filter(person_low_id__in=ids, person_high_id__in=ids,
                                    status=PairStatus.DIFFERENT).exists():
        raise ValidationError(_("Two of these people were judged to be different people."))
    survivor_id = min(ids)  # the first registered, as a single pair keeps by default
    people = Person.objects.in_bulk(ids)
    # Each absorbed person's merge points at a pair with the survivor where there is one,
    # so that un-merging it puts back in the queue a pair the reviewer can act on.
    linking: dict[int, CandidatePair] = {}
    for pair in sorted(group, key=lambda p: survivor_id not in (p.person_low_id, p.person_high_id)):
        for person_id in (pair.person_low_id, pair.person_high_id):
            if person_id != survivor_id:
                linking.setdefault(person_id, pair)
    now = timezone.now()
    CandidatePair.objects.filter(pk__in=[p.pk for p in group]).update(
        status=PairStatus.SAME, updated_at=now)
    Decision.objects.bulk_create([
        Decision(pair=pair, decision=PairStatus.SAME, decided_by=actor, automatic=True)
        for pair in group])
    for pair in group:
        audit_record(actor=actor, kind="change", action="dedup.pair.same", target=pair,
                     organisation_id=people[pair.person_low_id].organisation_id,
                     reason="strong pairs of a run, merged together")
    for person_id, pair in sorted(linking.items()):
        person_merge(survivor=people[survivor_id], absorbed=people[person_id], actor=actor,
                     pair=pair)
    return len(linking)


@transaction.atomic
def person_merge(
    *, survivor: Person, absorbed: Person, actor: Any, pair: CandidatePair | None = None,
) -> Merge:
    """Move every delivery, voucher, household link and consent of `absorbed` to `survivor`.

    The absorbed person is kept, marked merged: its code still resolves, and its
    page points to the survivor. The state of every changed row is kept
    (encrypted) for `person_unmerge`.
    """
    if survivor.pk == absorbed.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    # Lock both people so that two reviewers cannot merge crossing pairs at once.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(
        pk__in=[survivor.pk, absorbed.pk])}
    if Merge.objects.filter(absorbed_id__in=locked, undone_at__isnull=True).exists():
        raise ValidationError(_("One of these records has already been merged into another."))
    snapshot = merge_rows(survivor, absorbed)
    # The registry's own marker: its lists, search and counts leave the record out.
    person_mark_merged(person=locked[absorbed.pk], survivor=locked[survivor.pk], actor=actor)
    absorbed.merged_into = survivor
    merge = Merge.objects.create(survivor=survivor, absorbed=absorbed, pair=pair, merged_by=actor,
                                 moved=snapshot.counts, snapshot=snapshot.dumps())
    for person in (survivor, absorbed):
        audit_record(actor=actor, kind="change", action="dedup.merge", target=person,
                     organisation_id=person.organisation_id,
                     reason=f"merge {merge.pk}: {absorbed.code} into {survivor.code}")
    audit_record(actor=actor, kind="create", action="dedup.merge", target=merge,
                 organisation_id=survivor.organisation_id)
    return merge


@transaction.atomic
def person_unmerge(*, merge: Merge, actor: Any) -> Merge:
    """Put back exactly what the merge changed; the pair goes back to the review queue."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    if not merge.snapshot:
        # Emptied when one of the two people was anonymised (erasure or retention): what it
        # would restore is gone for good.
        raise ValidationError(_("This merge can no longer be undone: one of the two people was anonymised."))
    restored = unmerge_rows(merge.snapshot)
    person_clear_merged(person=merge.absorbed, actor=actor)
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    if merge.pair_id:
        CandidatePair.objects.filter(pk=merge.pair_id).update(status=PairStatus.PENDING,
                                                              updated_at=timezone.now())
        Decision.objects.create(pair_id=merge.pair_id, decision=PairStatus.PENDING,
                                decided_by=actor)
    for person in (merge.survivor, merge.absorbed):
        audit_record(actor=actor, kind="change", action="dedup.unmerge", target=person,
                     organisation_id=person.organisation_id,
                     reason=f"merge {merge.pk} undone: {sum(restored.values())} rows restored")
    audit_record(actor=actor, kind="change", action="dedup.unmerge", target=merge,
                 organisation_id=merge.survivor.organisation_id)
    return merge


@transaction.atomic
def registration_alert_record(
    *, actor: Any, organisation: Organisation, matched: Person, weight: float, name_index: str,
) -> RegistrationAlert:
    """Tell the mission's data-protection officer, never the registering partner, who matched."""
    alert = RegistrationAlert.objects.filter(
        organisation=organisation, matched=matched, name_index=name_index,
        status=RegistrationAlert.Status.OPEN, new_person__isnull=True,
    ).first()
    if alert is None:
        alert = RegistrationAlert.objects.create(
            organisation=organisation, registered_by=actor if getattr(actor, "pk", None) else None,
            matched=matched, weight=weight, name_index=name_index,
        )
        audit_record(actor=actor, kind="create", action="dedup.registration_alert", target=alert,
                     organisation_id=organisation.pk)
    elif weight > alert.weight:
        RegistrationAlert.objects.filter(pk=alert.pk).update(weight=weight)
    return alert


ALERT_WINDOW_HOURS = 24


@transaction.atomic
def registration_alert_link(*, person: Person) -> list[CandidatePair]:
    """Once a person is saved, turn the open alerts raised while registering them into pairs."""
    since = timezone.now() - timezone.timedelta(hours=ALERT_WINDOW_HOURS)
    alerts = list(RegistrationAlert.objects.select_related("matched").filter(
        organisation_id=person.organisation_id, name_index=person.name_index,
        new_person__isnull=True, status=RegistrationAlert.Status.OPEN, created_at__gte=since,
    ))
    if not alerts or not person.name_index:
        return []
    mine = person_record(person)
    scores = compare.score_records([(mine, person_record(a.matched)) for a in alerts])
    pairs = []
    for alert, score in zip(alerts, scores, strict=True):
        low, high = ordered(person.pk, alert.matched_id)
        pair, _created = CandidatePair.objects.get_or_create(
            person_low_id=low, person_high_id=high,
            defaults={"weight": score.weight, "detail": score.detail(), "cross_partner": True,
                      "source": CandidatePair.Source.REGISTRATION,
                      "band": (CandidatePair.Band.AUTO if score.weight >= Thresholds().auto_merge
                               else CandidatePair.Band.REVIEW)},
        )
        RegistrationAlert.objects.filter(pk=alert.pk).update(new_person=person, pair=pair)
        pairs.append(pair)
    return pairs


def registration_check_record(
    *, actor: Any, organisation: Organisation, result: Any, given_name: str, family_name: str,
) -> None:
    """Audit whom a registration check showed; alert the mission about the others."""
    from himaya.registry.services import name_index_of

    for match in result.matches:
        audit_record(actor=actor, kind="view", action="dedup.registration_check",
                     target=match.person, organisation_id=match.person.organisation_id,
                     fields=["given_name", "family_name"])
    if result.elsewhere:
        index = name_index_of(str(given_name), str(family_name))
        for person, weight in result.elsewhere_people:
            registration_alert_record(actor=actor, organisation=organisation, matched=person,
                                      weight=weight, name_index=index)


SEPARATORS = re.compile(r"[|,;\n]+")
NOTHING_NEW = "nothing_new"


def _split(text: str) -> list[str]:
    return [v.strip() for v in SEPARATORS.split(text or "") if v.strip()]


def _name_line(rows: list[dict[str, str]], group: str, variants: str, related: str,
               ) -> tuple[NameEquivalent, list[str]]:
    """One line checked against the shipped table and `rows` (the lines before it): the
    unsaved row and what is wrong with it (`NOTHING_NEW` when it adds nothing)."""
    spellings, weak = _split(variants), _split(related)
    row = NameEquivalent(group=group.strip(), variants="|".join(spellings), related="|".join(weak))
    errors: list[str] = []
    for field in ("group", "variants", "related"):
        limit = NameEquivalent._meta.get_field(field).max_length
        if len(getattr(row, field)) > limit:
            errors.append(_("%(field)s: at most %(limit)s characters.")
                          % {"field": NameEquivalent._meta.get_field(field).verbose_name,
                             "limit": limit})
    for text in [group, *spellings, *weak]:
        if len(names.tokens(text)) != 1:
            errors.append(_("“%(name)s” is not one name: write one name per entry.") % {"name": text})
    if not spellings:
        errors.append(_("Give at least one other spelling."))
    if errors:
        return row, errors
    current = names.load_equivalents(names.EQUIVALENTS_FILE, rows)
    key = "".join(names.tokens(group))
    target = current.group_of.get(key, key)
    new = False
    for text in spellings:
        owner = current.group_of.get(names.tokens(text)[0])
        if owner is not None and owner != target:
            errors.append(_("“%(name)s” is already a spelling of %(group)s: add your spellings "
                            "to that name instead.") % {"name": text, "group": owner})
        new = new or owner is None
    if errors:
        return row, errors
    if not new and not weak:
        return row, [NOTHING_NEW]
    try:
        names.load_equivalents(names.EQUIVALENTS_FILE, [*rows, row.as_row()])
    except names.EquivalentsError as error:  # a case the checks above do not foresee
        return row, [str(error)]
    return row, []


def _save_name_line(row: NameEquivalent, actor: Any, note: str, via: str) -> NameEquivalent:
    row.note, row.added_by = note.strip()[:200], actor
    row.save()
    audit_record(actor=actor, kind="create", action="dedup.names.add", target=row,
                 reason=f"{via} {row.group}: {row.variants}")
    return row


@transaction.atomic
def name_equivalent_add(
    *, actor: Any, group: str, variants: str, related: str = "", note: str = "",
) -> NameEquivalent:
    """Add a line to the programme's equivalents table (decision 0313), audited.

    Refused, with the reason in the user's language, when a name is more than one part,
    when a spelling already belongs to another name (the table would say two different
    names are one), or when the line adds nothing.
    """
    rows = [r.as_row() for r in NameEquivalent.objects.select_for_update().order_by("pk")]
    row, errors = _name_line(rows, group, variants, related)
    if errors == [NOTHING_NEW]:
        raise ValidationError(_("Nothing new: the table already has these spellings."))
    if errors:
        raise ValidationError(errors)
    return _save_name_line(row, actor, note, "page")


@transaction.atomic
def name_equivalents_import(*, actor: Any, text: str) -> dict[str, Any]:
    """A CSV of lines (`group,variants,related[,note]`), all or nothing.

    Every bad line is reported with its number and reason, and then nothing is written;
    a line the table already knows is skipped, so importing a file twice adds nothing.
    Returns {"added": n, "known": n, "errors": [(line, reason), ...]}.
    """
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not {"group", "variants"} <= set(reader.fieldnames or []):
        return {"added": 0, "known": 0,
                "errors": [(1, _("The first line must name the columns group,variants,related."))]}
    rows = [r.as_row() for r in NameEquivalent.objects.select_for_update().order_by("pk")]
    pending: list[tuple[NameEquivalent, str]] = []
    known = 0
    errors: list[tuple[int, str]] = []
    try:
        lines = list(enumerate(reader, start=2))
    except csv.Error as error:  # a NUL byte, an unclosed quote...
        return {"added": 0, "known": 0,
                "errors": [(reader.line_num, _("Not a readable CSV file: %(reason)s")
                            % {"reason": error})]}
    for number, line in lines:
        if not any((value or "").strip() for value in line.values() if isinstance(value, str)):
            continue
        row, problems = _name_line(rows, line.get("group") or "", line.get("variants") or "",
                                   line.get("related") or "")
        if problems == [NOTHING_NEW]:
            known += 1
        elif problems:
            errors += [(number, problem) for problem in problems]
        else:
            rows.append(row.as_row())
            pending.append((row, line.get("note") or ""))
    if errors:
        return {"added": 0, "known": known, "errors": errors}
    for row, note in pending:
        _save_name_line(row, actor, note, "import")
    return {"added": len(pending), "known": known, "errors": []}


@transaction.atomic
def name_equivalent_remove(*, row: NameEquivalent, actor: Any) -> None:
    audit_record(actor=actor, kind="delete", action="dedup.names.remove", target=row,
                 reason=f"{row.group}: {row.variants}")
    row.delete()
