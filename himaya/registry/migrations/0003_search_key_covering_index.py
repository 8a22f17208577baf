"""Search keys: one index on (digest, person) instead of digest alone (see bench/registry_search.py).

Search as you type asks which people hold a digest; with the person in the index
PostgreSQL answers from the index alone. Finer statistics on the digest column let the
planner tell a common prefix ("mo": a tenth of the registry) from a rare name.
"""

from django.db import migrations, models


def finer_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_searchkey ALTER COLUMN digest SET STATISTICS 1000")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_vulnerability_catalogue")]

    operations = [
        migrations.AlterField(model_name="searchkey", name="digest", field=models.CharField(max_length=32)),
        migrations.AddIndex(
            model_name="searchkey",
            index=models.Index(fields=["digest", "person"], name="registry_searchkey_digest_pk"),
        ),
        migrations.RunPython(finer_statistics, migrations.RunPython.noop),
    ]
