"""The RDPP's results framework: outcomes, outputs, indicators, yearly targets, narrative.

Targets are the programme's plan (data typed once, as a programme would); every actual is
computed from the records the earlier layers generated, except one indicator that no
record can measure, entered by hand with its evidence.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from himaya.monitoring import services
from himaya.monitoring.models import Outcome, Output
from himaya.scenario.world import DemoWorld

DIRECT = {"categories": ["food", "hygiene", "non_food"]}
YEARS = (2019, 2020, 2021, 2022)

# code, outcome/output, titles (fr, ar, en), unit, definition, disaggregations, sensitive,
# yearly targets, end target
INDICATORS = [
    ("1.1.1", "1.1", ("Nombre d'assistances directes (kits alimentaires, bons alimentaires, kits d'hygiène)",
                      "عدد المساعدات المباشرة (سلال غذائية، قسائم غذائية، حقائب النظافة)",
                      "Number of direct assistances (food kits, food vouchers, hygiene kits)"),
     "assistances", {"kind": "deliveries", **DIRECT}, ["sex", "age_group", "region", "partner"],
     False, (4000, 6500, 6500, 5000), 22000),
    ("1.1.2", "1.1", ("Nombre de kits alimentaires remis", "عدد السلال الغذائية المسلمة",
                      "Number of food kits delivered"),
     "kits", {"kind": "deliveries", "types": ["food-kit"]}, ["region", "partner"], False,
     (2500, 2500, 3500, 3000), 11500),
    ("1.1.3", "1.1", ("Valeur des bons alimentaires encaissés (MAD)",
                      "قيمة القسائم الغذائية المصروفة (درهم)", "Value of food vouchers redeemed (MAD)"),
     "MAD", {"kind": "value_redeemed"}, ["region", "partner"], False,
     (0, 700000, 600000, 400000), 1700000),
    ("1.1.4", "1.1", ("Nombre de personnes migrantes atteintes", "عدد المهاجرين المستفيدين",
                      "Number of migrants reached"),
     "people", {"kind": "distinct_people"},
     ["sex", "age_group", "nationality", "region", "vulnerability"], False,
     (2000, 3000, 3000, 2500), 8000),
    ("1.1.5", "1.1", ("Nombre de ménages atteints", "عدد الأسر المستفيدة", "Number of households reached"),
     "households", {"kind": "distinct_households"}, ["partner"], False, (), None),
    ("1.2.1", "1.2", ("Nombre d'assistances médicales", "عدد المساعدات الطبية",
                      "Number of medical assistances"),
     "assistances", {"kind": "deliveries", "categories": ["medical"]}, ["sex", "region"], True,
     (800, 1000, 1200, 1000), 4000),
    ("1.3.1", "1.3", ("Nombre de régions couvertes", "عدد الجهات المشمولة", "Number of regions covered"),
     "regions", {"kind": "regions_covered"}, [], False, (7, 7, 7, 7), 7),
    ("2.1.1", "2.1", ("Nombre d'associations accompagnées", "عدد الجمعيات المواكبة",
                      "Number of associations accompanied"),
     "associations", {"kind": "associations_accompanied"}, ["region"], False, (), 15),
    ("2.1.2", "2.1", ("Associations dotées d'une feuille de route validée",
                      "الجمعيات التي لديها خارطة طريق مصادق عليها",
                      "Associations with a validated roadmap"),
     "associations", {"kind": "associations_validated_roadmap"}, ["region"], False, (), 12),
    ("2.1.3", "2.1", ("Nombre de personnes formées", "عدد الأشخاص المكونين", "Number of people trained"),
     "people", {"kind": "people_trained"}, ["sex", "age_group"], False, (), 300),
    ("2.1.4", "2.1", ("Actions des feuilles de route réalisées", "إجراءات خرائط الطريق المنجزة",
                      "Roadmap actions completed"),
     "actions", {"kind": "actions_completed"}, ["region", "partner"], False, (), None),
]

MANUAL = ("2.0.1", ("Comités régionaux de coordination migration fonctionnels",
                    "لجان جهوية لتنسيق الهجرة تعمل", "Regional migration coordination committees operating"),
          "committees", {2021: (4, "Procès-verbaux des réunions des comités régionaux, 2021"),
                         2022: (6, "Procès-verbaux et rapport de la clôture nationale, décembre 2022")},
          7)


def build(world: DemoWorld) -> None:
    programme = world["programme"]
    manager = world.objects.get("user:manager")
    periods = {}
    for year in YEARS:
        start = max(dt.date(year, 1, 1), programme.start)
        end = min(dt.date(year, 12, 31), programme.end)
        if start <= end:
            periods[year] = services.period_create(actor=manager, programme=programme,
                                                   label=str(year), start=start, end=end)
    outcome_1 = Outcome.objects.create(
        programme=programme, code="1", order=1,
        title_fr="Les personnes migrantes en situation de vulnérabilité accèdent à une assistance de base et aux soins",
        title_ar="يحصل المهاجرون في وضعية هشاشة على المساعدة الأساسية والرعاية الصحية",
        title_en="Migrants in vulnerable situations access basic assistance and health care",
    )
    outcome_2 = Outcome.objects.create(
        programme=programme, code="2", order=2,
        title_fr="Les associations territorialisent la SNIA dans leurs régions",
        title_ar="تعمل الجمعيات على التنزيل الترابي للاستراتيجية الوطنية للهجرة واللجوء",
        title_en="Associations territorialise the SNIA in their regions",
    )
    outputs = {
        "1.1": Output.objects.create(outcome=outcome_1, code="1.1", order=1,
                                     title_fr="Assistance directe remise",
                                     title_ar="تقديم المساعدة المباشرة",
                                     title_en="Direct assistance delivered"),
        "1.2": Output.objects.create(outcome=outcome_1, code="1.2", order=2,
                                     title_fr="Assistance médicale prise en charge",
                                     title_ar="التكفل بالمساعدة الطبية",
                                     title_en="Medical assistance covered"),
        "1.3": Output.objects.create(outcome=outcome_1, code="1.3", order=3,
                                     title_fr="Couverture territoriale", title_ar="التغطية الترابية",
                                     title_en="Territorial coverage"),
        "2.1": Output.objects.create(outcome=outcome_2, code="2.1", order=1,
                                     title_fr="Associations accompagnées et formées",
                                     title_ar="جمعيات مواكبة ومكونة",
                                     title_en="Associations accompanied and trained"),
    }
    for order, (code, output, titles, unit, definition, dims, sensitive, targets,
                end_target) in enumerate(INDICATORS):
        indicator = services.indicator_save(
            actor=manager, programme=programme, code=code, title_fr=titles[0],
            title_ar=titles[1], title_en=titles[2], unit=unit, definition=definition,
            disaggregations=dims, sensitive=sensitive, output=outputs[output], order=order,
            end_target=Decimal(end_target) if end_target is not None else None,
        )
        for year, value in zip(YEARS, targets, strict=False):
            if year in periods:
                services.target_set(actor=manager, indicator=indicator, period=periods[year],
                                    value=Decimal(value))
    code, titles, unit, values, end_target = MANUAL
    manual = services.indicator_save(
        actor=manager, programme=programme, code=code, title_fr=titles[0], title_ar=titles[1],
        title_en=titles[2], unit=unit, method="manual", outcome=outcome_2, order=0,
        counts_people=False,
        end_target=Decimal(end_target),
    )
    for year, (value, evidence) in values.items():
        services.manual_value_record(actor=manager, indicator=manual, period=periods[year],
                                     value=Decimal(value), evidence=evidence)
    services.narrative_save(
        actor=manager, programme=programme, order=1,
        heading_fr="Résumé", heading_en="Summary", heading_ar="ملخص",
        body_fr="De 2019 à 2022, le programme a apporté une assistance directe et médicale aux "
                "personnes migrantes en situation de vulnérabilité dans sept régions, avec quinze "
                "associations partenaires accompagnées dans la territorialisation de la SNIA.",
        body_en="From 2019 to 2022 the programme delivered direct and medical assistance to "
                "migrants in vulnerable situations in seven regions, with fifteen partner "
                "associations accompanied in territorialising the SNIA.",
        body_ar="من 2019 إلى 2022، قدم البرنامج مساعدات مباشرة وطبية للمهاجرين في وضعية هشاشة "
                "في سبع جهات، مع مواكبة خمس عشرة جمعية شريكة في التنزيل الترابي للاستراتيجية.",
    )
    services.narrative_save(
        actor=manager, programme=programme, period=periods.get(2020), order=2,
        heading_fr="Adaptation à la COVID-19", heading_en="Adapting to COVID-19",
        heading_ar="التكيف مع جائحة كوفيد-19",
        body_fr="En 2020, les distributions en nature ont reculé pendant le confinement et les "
                "bons alimentaires ont pris le relais, remis et encaissés auprès de commerçants "
                "de proximité.",
        body_en="In 2020 in-kind distributions fell during the lockdown and food vouchers took "
                "over, handed out and spent at nearby shops.",
        body_ar="في 2020، تراجعت التوزيعات العينية خلال الحجر الصحي وحلت محلها القسائم "
                "الغذائية المصروفة لدى التجار القريبين.",
    )
    world["results_periods"] = periods
