"""People: an index on (organisation, newest first) for a partner's search as you type.

Without it, finding the newest people of one association whose name matches a rare
search key made PostgreSQL read the registry's primary key backwards, 0.7 s at
1,000,000 people (bench/registry_search.py).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_search_key_covering_index")]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["organisation", "-id"], name="registry_person_org_recent"),
        ),
    ]
