"""Merges made before the registry had its own marker (registry 0006): set it from the
merges that stand, so those records leave the registry's lists and counts too (decision 0204).
Lives in dedup because only dedup knows its merges; the registry never reads dedup."""

from django.db import migrations


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    Merge = apps.get_model("dedup", "Merge")
    Person = apps.get_model("registry", "Person")
    for absorbed_id, survivor_id in (Merge.objects.filter(undone_at__isnull=True)
                                     .order_by("merged_at", "pk").values_list("absorbed_id", "survivor_id")):
        Person.objects.filter(pk=absorbed_id).update(merged_into_id=survivor_id)


def backwards(apps, schema_editor):  # noqa: ANN001, ANN201
    # Registry 0006 going back drops the column; nothing to undo here.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0001_runs_pairs_merges"),
        ("registry", "0006_person_merged_into"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
