"""Row-level security on the personal-data tables (PostgreSQL only; nothing on SQLite).

Runs as the owner of the tables (`HIMAYA_MIGRATE_DATABASE_URL`); the policies bind the
application's role, which owns nothing. See himaya/protection/rls.py.
"""

from django.db import migrations

from himaya.protection import rls


def enable(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    rls.apply(schema_editor, enable=True)


def disable(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    rls.apply(schema_editor, enable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("protection", "0001_erasure_requests_and_anonymisations"),
        ("registry", "0002_vulnerability_catalogue"),
        ("assistance", "0002_seed_catalogue"),
        ("vouchers", "0002_voucher_delivery_link"),
        ("intake", "0001_import_batches"),
    ]

    operations = [migrations.RunPython(enable, disable, elidable=False)]
