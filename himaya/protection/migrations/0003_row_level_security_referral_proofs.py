"""Row-level security on tables created after 0002 (referral proofs): re-runs the same list."""

from django.db import migrations

from himaya.protection import rls


def enable(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    rls.apply(schema_editor, enable=True)


class Migration(migrations.Migration):
    dependencies = [
        ("protection", "0002_row_level_security"),
        ("assistance", "0003_referral_proof_files"),
    ]

    operations = [migrations.RunPython(enable, migrations.RunPython.noop, elidable=False)]
