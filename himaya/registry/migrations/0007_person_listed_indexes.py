"""People: partial indexes for searches that leave out merged records (bench/registry_search.py).

Search reads ids from indexes alone; since it leaves out records absorbed by a merge
(`merged_into IS NULL`, a column only in the table), it read table rows again. With the
condition in the index it need not.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_person_merged_into")]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(merged_into__isnull=True), fields=["organisation", "-id"],
                               name="registry_person_org_listed"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(merged_into__isnull=True), fields=["-id"],
                               name="registry_person_listed"),
        ),
    ]
