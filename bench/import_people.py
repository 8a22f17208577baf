"""Benchmark: importing people from an XLSX file, validation included, at 20,000 and 100,000 rows.

    .venv/bin/python bench/import_people.py [--sizes 20000 100000] [--cores 2]

Builds a fresh SQLite database (or uses DATABASE_URL) with the reference data,
writes one realistic XLSX per size (names in Latin and Arabic script, dates and
phones in several forms, places, vulnerabilities, consent), then imports each
in its own process pinned to two cores, so that each process's peak resident
memory is that size's alone. The figure is the time of `pipeline.apply_file`
in "all or nothing" mode: reading, checking every row, and writing every person
in one transaction. The limit is 60 s for 100,000 rows; memory must not grow
with the file, so the peak RSS at 20,000 and 100,000 rows are printed side by side.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIMIT_SECONDS_100K = 60.0
GIVEN = ["Awa", "Moussa", "Aminata", "Ousmane", "Fatou", "Mamadou", "Mariam", "Ibrahima", "Khadija", "Yaw",
         "Grace", "Jean", "Aïcha", "Issa", "Binta", "Chérif", "محمد", "فاطمة", "يوسف", "مريم", "Joseph", "Esther"]
FAMILY = ["Diallo", "Traoré", "Koné", "Ndiaye", "Sow", "Ba", "Camara", "Mensah", "Mbala", "Benali", "Kane",
          "Touré", "N'Guessan", "Okafor", "العلوي", "الحسني", "حداد", "Haddad", "Coulibaly", "Keita"]
NATIONALITIES = ["SEN", "CIV", "MLI", "GIN", "CMR", "COD", "NGA", "SYR", "SDN", "GHA", "CAF", "TCD"]


def _setup_django(var_dir: Path) -> None:
    os.environ["HIMAYA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("HIMAYA_ENV", "development")
    # As in production: with DEBUG on, Django formats and keeps every query, big bulk inserts included.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _phone(rng: random.Random, n: int) -> str:
    forms = [f"0661{n % 1000000:06d}", f"+212 6 61 {n % 100:02d} {n // 100 % 100:02d} 56",
             f"00221 77 123 {n % 100:02d} {n // 100 % 100:02d}", f"06-12-{n % 100:02d}-34-56", ""]
    return rng.choice(forms)


def write_file(path: Path, size: int, prefix: str) -> None:
    """A realistic people sheet, written row by row (XlsxWriter constant memory)."""
    import xlsxwriter

    from himaya.reference.models import Commune

    rng = random.Random(size)
    communes = list(Commune.objects.values_list("code", flat=True)[:400])
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Personnes")
    sheet.write_row(0, 0, ["Votre référence", "Prénom", "Nom", "Sexe", "Date de naissance", "Nationalité",
                           "Téléphone", "Commune", "Vulnérabilités", "Consentement : enregistrement",
                           "Consentement : assistance", "Consentement : contact de suivi"])
    for row in range(1, size + 1):
        birth = rng.choice([f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1960, 2015)}",
                            f"{rng.randint(1960, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                            str(rng.randint(1960, 2015))])
        sheet.write_string(row, 0, f"{prefix}-{row}")
        sheet.write_string(row, 1, rng.choice(GIVEN))
        sheet.write_string(row, 2, rng.choice(FAMILY))
        sheet.write_string(row, 3, rng.choice(["F", "M", "femme", "homme"]))
        if rng.random() < 0.15:
            sheet.write_number(row, 4, rng.randint(22000, 40000))  # Excel serial dates
        else:
            sheet.write_string(row, 4, birth)
        sheet.write_string(row, 5, rng.choice(NATIONALITIES))
        sheet.write_string(row, 6, _phone(rng, row))
        sheet.write_string(row, 7, rng.choice(communes))
        sheet.write_string(row, 8, rng.choice(["", "", "", "single-parent", "disability, older-person"]))
        sheet.write_string(row, 9, "oui")
        sheet.write_string(row, 10, rng.choice(["oui", "non", ""]))
        sheet.write_string(row, 11, rng.choice(["oui", "non"]))
    workbook.close()


def run_one(path: Path, organisation_code: str) -> dict:
    """In a child process: import one file, report time and peak memory."""
    from himaya.intake import pipeline
    from himaya.organisations.models import Organisation

    organisation = Organisation.objects.get(code=organisation_code)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    started, started_cpu = time.perf_counter(), cpu()
    report = pipeline.check_file(path, path.name, organisation)
    checked, checked_cpu = time.perf_counter(), cpu()
    outcome = pipeline.apply_file(path, path.name, organisation, actor=None, mode="all")
    applied, applied_cpu = time.perf_counter(), cpu()
    assert outcome.applied, (report.problem_count, report.problems[:5])
    return {
        "rows": report.rows, "created": outcome.created, "check_seconds": checked - started,
        "check_cpu": checked_cpu - started_cpu, "import_seconds": applied - checked,
        "import_cpu": applied_cpu - checked_cpu, "load": os.getloadavg()[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline_kb / 1024, "file_mb": path.stat().st_size / 1048576,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("FILE", "VAR_DIR"))
    args = parser.parse_args()
    if args.child:
        _setup_django(Path(args.child[1]))
        print(json.dumps(run_one(Path(args.child[0]), "bench-partner")))
        return
    var_dir = Path(tempfile.mkdtemp(prefix="himaya-bench-import-"))
    _setup_django(var_dir)
    from django.core.management import call_command

    from himaya.organisations.models import Organisation
    from himaya.reference.loading import load_reference

    call_command("migrate", verbosity=0)
    load_reference()
    Organisation.objects.get_or_create(code="bench-partner", defaults={
        "name_fr": "Association du banc d'essai", "kind": Organisation.Kind.PARTNER})
    results = []
    for size in args.sizes:
        path = var_dir / f"people-{size}.xlsx"
        write_file(path, size, prefix=f"b{size}")
        cores = sorted(os.sched_getaffinity(0))[: args.cores]
        child = subprocess.run(
            ["taskset", "-c", ",".join(map(str, cores)), sys.executable, __file__, "--child", str(path),
             str(var_dir)], capture_output=True, text=True, check=True, env={**os.environ})
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(f"machine: {os.cpu_count()} CPUs visible, pinned to {args.cores}; database: "
          f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}")
    # Wall time depends on what else the machine runs; the import is one process, so its CPU
    # time is what it would take alone. Both are printed, with the load average.
    print("| rows | file | check only (wall / CPU) | import: check + write in one transaction (wall / CPU) "
          "| limit | ratio (CPU) | peak RSS | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        limit = LIMIT_SECONDS_100K * r["rows"] / 100_000
        print(f"| {r['rows']:,} | {r['file_mb']:.1f} MB | {r['check_seconds']:.1f} s / {r['check_cpu']:.1f} s "
              f"| {r['import_seconds']:.1f} s / {r['import_cpu']:.1f} s | {limit:.0f} s "
              f"| {r['import_cpu'] / limit:.2f} | {r['peak_rss_mb']:.0f} MB | {r['load']:.1f} |")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        print(f"\npeak RSS {first['peak_rss_mb']:.0f} MB at {first['rows']:,} rows vs {last['peak_rss_mb']:.0f} MB "
              f"at {last['rows']:,} rows: +{last['peak_rss_mb'] - first['peak_rss_mb']:.0f} MB for "
              f"{last['rows'] / first['rows']:.0f}x the rows")


if __name__ == "__main__":
    main()
