"""`himaya dedup-csv`: the evaluation contract, end to end, without a database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.dedup.generate import generate
from himaya.dedup.evaluation import pairwise_score

# Measured on this file (2,000 records, seed 1, generator v2, shipped model 4, auto-merge
# at 4, no in-batch term frequencies): precision 0.994, recall 0.642, F1 0.780. The
# floors leave room for library and platform differences, not for a regression.
F1_FLOOR = 0.72
PRECISION_FLOOR = 0.98
HEADER = "record_id,given_name,family_name,sex,birth_date,nationality,phone,document_number,region,partner\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    generate(2_000, 1, folder)
    return folder


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_clusters_generated_registrations_above_the_measured_floor(
    generated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clusters.csv"
    call_command("dedup_csv", str(generated / "records.csv"), str(out))
    rows = _read(out)
    ids = [r["record_id"] for r in _read(generated / "records.csv")]
    assert [r["record_id"] for r in rows] == ids  # every record, exactly once, in order
    truth = {r["record_id"]: r["entity_id"] for r in _read(generated / "truth.csv")}
    score = pairwise_score({r["record_id"]: r["cluster_id"] for r in rows}, truth)
    assert score.precision >= PRECISION_FLOOR, score
    assert score.f1 >= F1_FLOOR, score


def test_same_seed_same_file(tmp_path: Path) -> None:
    generate(300, 7, tmp_path / "a")
    generate(300, 7, tmp_path / "b")
    for name in ("records.csv", "truth.csv", "hard_negatives.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _run_bad(tmp_path: Path, content: bytes, match: str) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=match):
        call_command("dedup_csv", str(source), str(out))
    assert not out.exists()
    assert list(tmp_path.glob(".dedup-*")) == []


def test_missing_column_is_refused_and_nothing_written(tmp_path: Path) -> None:
    _run_bad(tmp_path, b"record_id,given_name\n1,Awa\n", "missing column")


def test_bad_encoding_is_refused(tmp_path: Path) -> None:
    _run_bad(tmp_path, (HEADER + "1,A\xefssatou,Diallo,F,1990,GIN,,,,\n").encode("latin-1"),
             "not UTF-8")


def test_bad_date_is_refused_with_the_record(tmp_path: Path) -> None:
    _run_bad(tmp_path, (HEADER + "r1,Awa,Diallo,F,1990-02-30,GIN,,,,\n").encode(), "r1.*birth_date")


def test_duplicate_record_id_is_refused(tmp_path: Path) -> None:
    _run_bad(tmp_path, (HEADER + "r1,Awa,Diallo,F,,,,,,\nr1,Awa,Bah,F,,,,,,\n").encode(),
             "more than once")


def test_missing_input_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("dedup_csv", str(tmp_path / "none.csv"), str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


def test_tiny_file_with_empty_fields(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "a,Mamadou,Diallo,M,1990,GIN,0612345678,,02,P01\n"
                      "b,Diallo,Mamadou,M,1990-05-04,GIN,+212 6 12 34 56 78,,02,P02\n"
                      "c,,,,,,,,,\n", "utf-8")
    out = tmp_path / "out.csv"
    call_command("dedup_csv", str(source), str(out))
    clusters = {r["record_id"]: r["cluster_id"] for r in _read(out)}
    assert set(clusters) == {"a", "b", "c"}
    assert clusters["a"] == clusters["b"]  # swapped names, one phone in two formats
    assert clusters["c"] == "c"


def test_your_own_name_equivalences_count_and_a_bad_table_is_refused(tmp_path: Path) -> None:
    from himaya.dedup import names

    source = tmp_path / "in.csv"
    source.write_text(HEADER + "a,Kadiatou,Barry,F,1991-03-04,GIN,,,02,P01\n"
                      "b,Kadi,Barry,F,1991,GIN,,,05,P02\nc,Awa,Bah,F,1985,SEN,,,02,P01\n", "utf-8")
    table = tmp_path / "names.csv"
    table.write_text("group,variants,related\nKadiatou,Kadi,\n", "utf-8")

    def weight(*extra: str) -> float:
        review = tmp_path / "review.csv"
        call_command("dedup_csv", str(source), str(tmp_path / "out.csv"),
                     "--review-output", str(review), *extra)
        return float(_read(review)[0]["match_weight"])

    try:
        plain = weight()
        assert weight("--equivalents", str(table)) > plain + 0.5  # "Kadi" now reads "kadiatou"
        table.write_text("group,variants,related\nMohamed,Mahmoud,\n", "utf-8")
        out = tmp_path / "refused.csv"
        with pytest.raises(CommandError, match="Mahmoud.*already in group"):
            call_command("dedup_csv", str(source), str(out), "--equivalents", str(table))
        assert not out.exists()
    finally:
        names.set_local_equivalents(())
