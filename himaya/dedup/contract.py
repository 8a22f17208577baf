"""The evaluation contract: `himaya dedup-csv INPUT.csv OUTPUT.csv`.

Input: UTF-8 CSV with the header in `features.INPUT_FIELDS` (extra columns are
ignored). Output: `record_id,cluster_id` for every input record, exactly once.
Any error is raised before the output file exists: the output is written to a
temporary file in the same folder and renamed into place at the end.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from himaya.dedup.features import INPUT_FIELDS


class InputError(ValueError):
    """The input file cannot be used; the message says why and where."""


def read_records(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [f for f in INPUT_FIELDS if f not in header]
            if missing:
                raise InputError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"the header must contain {','.join(INPUT_FIELDS)}"
                )
            rows = []
            for line_no, row in enumerate(reader, start=2):
                if None in row:
                    raise InputError(f"{path} line {line_no}: more fields than the header")
                rows.append({f: row[f] or "" for f in INPUT_FIELDS})
            return rows
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from exc


def write_clusters(path: Path, clusters: Mapping[str, str], order: list[str]) -> None:
    """Write `record_id,cluster_id` in input order, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".dedup-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record_id", "cluster_id"])
            for record_id in order:
                writer.writerow([record_id, clusters[record_id]])
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
