"""Row-level security on deduplication's tables (pairs, decisions, merges, registration
alerts): re-runs the same list, which now names them (PostgreSQL only)."""

from django.db import migrations

from himaya.protection import rls

DEDUP_TABLES = ["dedup_registrationalert", "dedup_decision", "dedup_candidatepair", "dedup_merge"]


def enable(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    rls.apply(schema_editor, enable=True)


def disable(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in DEDUP_TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS {rls.POLICY} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [
        ("protection", "0003_row_level_security_referral_proofs"),
        ("dedup", "0002_registry_merged_into_backfill"),
    ]

    operations = [migrations.RunPython(enable, disable, elidable=False)]
