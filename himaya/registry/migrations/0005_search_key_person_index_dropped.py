"""Search keys: drop the index on the person alone; the unique (person, digest) index serves it.

One index less to write for each of the dozen search keys of every person registered
or imported (bench/import_people.py), and 100 MB less at 1,000,000 people.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_person_organisation_recent_index")]

    operations = [
        migrations.AlterField(
            model_name="searchkey",
            name="person",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="search_keys", to="registry.person"),
        ),
    ]
