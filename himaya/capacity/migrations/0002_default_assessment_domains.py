"""The assessment grid every mission starts from; the admin can add, reorder or retire domains."""

from django.db import migrations

DOMAINS = [
    ("governance", "Gouvernance", "الحكامة", "Governance"),
    ("financial-management", "Gestion financière", "التدبير المالي", "Financial management"),
    ("protection-safeguarding", "Protection et prévention des abus", "الحماية والوقاية من الاستغلال",
     "Protection and safeguarding"),
    ("data-protection", "Protection des données personnelles", "حماية المعطيات الشخصية",
     "Data protection"),
    ("monitoring-evaluation", "Suivi-évaluation", "التتبع والتقييم", "Monitoring and evaluation"),
    ("advocacy", "Plaidoyer", "الترافع", "Advocacy"),
    ("local-authorities", "Partenariat avec les autorités locales", "الشراكة مع السلطات المحلية",
     "Partnership with local authorities"),
]


def add_domains(apps, schema_editor):  # noqa: ANN001, ANN201
    domain = apps.get_model("capacity", "AssessmentDomain")
    for order, (code, fr, ar, en) in enumerate(DOMAINS, start=1):
        domain.objects.update_or_create(
            code=code, defaults={"name_fr": fr, "name_ar": ar, "name_en": en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("capacity", "0001_roadmaps_and_assessments")]

    operations = [migrations.RunPython(add_domains, migrations.RunPython.noop)]
