"""A worker process killed (SIGKILL) in the middle of an import: the database is as before, a re-run completes.

`test_import_apply` interrupts an import inside the test process; this one kills a real
process after it has written a first batch, as an out-of-memory kill or a pulled plug
would, and reads the database from outside it. It needs a server database that a second
process can reach (PostgreSQL): the SQLite test database lives in the test process's memory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from himaya.audit.models import AuditEvent
from himaya.intake import pipeline
from himaya.registry import encryption
from himaya.registry.models import Consent, Person, SearchKey
from tests.intake.test_import_apply import TODAY

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
from pathlib import Path
import django
django.setup()
from himaya.intake import pipeline, registry_adapter
from himaya.organisations.models import Organisation

real = registry_adapter.people_register_batch

def written_then_wait(**kwargs):
    ids = real(**kwargs)
    print("batch written", flush=True)
    time.sleep(120)  # inside the import's transaction, until killed
    return ids

registry_adapter.people_register_batch = written_then_wait
organisation = Organisation.objects.get(code=sys.argv[2])
outcome = pipeline.apply_file(Path(sys.argv[1]), "big.csv", organisation, actor=None, mode="all")
print("committed" if outcome.applied else f"refused: {outcome.report.problems[:3]}", flush=True)
"""


def write_csv(path: Path, count: int) -> Path:
    # No vulnerability column: a transactional test's flush empties the catalogue that a
    # migration fills, and the other tests in the run may have flushed it already.
    lines = ["external_id;given_name;family_name;sex;birth_date;nationality;phone;consent_registration"]
    lines += [f"k{n};Awa;Diallo;F;12/03/1990;SEN;+22177{n:07d};oui" for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database a second process can reach")
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_process_leaves_nothing_and_a_rerun_completes(world, tmp_path):
    path = write_csv(tmp_path / "big.csv", 2500)  # one write batch, after every row is checked
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "himaya.settings",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "HIMAYA_KEYS_FILE": str(encryption.keys_path())}
    events_before = AuditEvent.objects.count()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), world.partner_a.code], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "batch written", child.stderr.read() if child.poll() is not None else line
        # A thousand people are written, inside the child's open transaction: nobody sees them.
        assert Person.objects.count() == 0
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert Person.objects.count() == 0 and SearchKey.objects.count() == 0 and Consent.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    outcome = pipeline.apply_file(path, path.name, world.partner_a, actor=world.users["coord_a"], mode="all",
                                  today=TODAY)
    assert outcome.applied and outcome.created == 2500
    assert Person.objects.filter(organisation=world.partner_a).count() == 2500
