"""The scenario's first layer: the RDPP's organisations, programme, agreements, users, site.

Facts from the seed: the programme ran 2019–2022 in Morocco, led by the IOM mission
with the European Union as donor and the ministry and the migration directorate as
counterparts; 15 associations in seven regions; closing on 16 December 2022 at the
Fondation Orient-Occident. Organisation names of associations, vendors and facilities
are invented.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from himaya.accounts.roles import Role
from himaya.accounts.services import user_create
from himaya.organisations.models import Organisation
from himaya.organisations.services import agreement_create, organisation_create, programme_create
from himaya.portal.models import Article, Page
from himaya.reference.models import Currency, Region, SdgTarget, SniaProgramme, ThematicAxis
from himaya.scenario.world import DEMO_PASSWORD, DemoWorld

# The seven regions named in the seed, by HCP code, with how many associations each.
SEED_REGIONS = {"01": 3, "02": 2, "03": 2, "04": 2, "06": 3, "07": 1, "09": 2}

# (code suffix, French, Arabic, English) naming patterns for invented associations.
ASSOCIATION_NAMES = [
    ("solidarite", "Association Solidarité Migrants {city}", "جمعية التضامن مع المهاجرين {city_ar}", "Migrant Solidarity Association {city}"),
    ("accueil", "Association Accueil et Dignité {city}", "جمعية الاستقبال والكرامة {city_ar}", "Welcome and Dignity Association {city}"),
    ("horizons", "Association Horizons Partagés {city}", "جمعية آفاق مشتركة {city_ar}", "Shared Horizons Association {city}"),
]

CITIES = {
    "01": [("tanger", "Tanger", "طنجة"), ("tetouan", "Tétouan", "تطوان"), ("nador-tta", "Larache", "العرائش")],
    "02": [("oujda", "Oujda", "وجدة"), ("nador", "Nador", "الناظور")],
    "03": [("fes", "Fès", "فاس"), ("meknes", "Meknès", "مكناس")],
    "04": [("rabat", "Rabat", "الرباط"), ("kenitra", "Kénitra", "القنيطرة")],
    "06": [("casablanca", "Casablanca", "الدار البيضاء"), ("mohammedia", "Mohammedia", "المحمدية"), ("settat", "Settat", "سطات")],
    "07": [("marrakech", "Marrakech", "مراكش")],
    "09": [("agadir", "Agadir", "أكادير"), ("tiznit", "Tiznit", "تيزنيت")],
}


def build_organisations(world: DemoWorld) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in=SEED_REGIONS)}
    world["regions"] = [regions[code] for code in SEED_REGIONS]
    rabat = regions["04"]
    world["mission"] = organisation_create(
        actor=None, code="oim-maroc", kind=Organisation.Kind.MISSION, acronym="OIM",
        name_fr="Organisation internationale pour les migrations – Mission au Maroc",
        name_ar="المنظمة الدولية للهجرة – بعثة المغرب",
        name_en="International Organization for Migration – Morocco mission", region=rabat,
    )
    world["donor"] = organisation_create(
        actor=None, code="ue", kind=Organisation.Kind.DONOR, acronym="UE",
        name_fr="Union européenne – Délégation au Maroc", name_ar="الاتحاد الأوروبي – المندوبية بالمغرب",
        name_en="European Union – Delegation to Morocco", region=rabat,
    )
    world["ministry"] = organisation_create(
        actor=None, code="mae-mre", kind=Organisation.Kind.GOVERNMENT,
        name_fr="Ministère des Affaires étrangères, de la Coopération africaine et des Marocains résidant à l'étranger",
        name_ar="وزارة الشؤون الخارجية والتعاون الإفريقي والمغاربة المقيمين بالخارج",
        name_en="Ministry of Foreign Affairs, African Cooperation and Moroccan Expatriates",
        region=rabat,
    )
    world["directorate"] = organisation_create(
        actor=None, code="dam", kind=Organisation.Kind.GOVERNMENT, acronym="DAM",
        name_fr="Direction des Affaires de la Migration", name_ar="مديرية شؤون الهجرة",
        name_en="Migration Affairs Directorate", region=rabat,
    )
    partners, vendors, facilities = [], [], []
    for code, count in SEED_REGIONS.items():
        region = regions[code]
        for index in range(count):
            slug, city, city_ar = CITIES[code][index]
            suffix, fr, ar, en = ASSOCIATION_NAMES[index % len(ASSOCIATION_NAMES)]
            partners.append(
                organisation_create(
                    actor=None, code=f"asso-{suffix}-{slug}", kind=Organisation.Kind.PARTNER,
                    name_fr=fr.format(city=city), name_ar=ar.format(city_ar=city_ar),
                    name_en=en.format(city=city), region=region,
                )
            )
        slug, city, city_ar = CITIES[code][0]
        vendors.append(
            organisation_create(
                actor=None, code=f"epicerie-{slug}", kind=Organisation.Kind.VENDOR,
                name_fr=f"Épicerie du Quartier – {city}", name_ar=f"بقالة الحي – {city_ar}",
                name_en=f"Neighbourhood Grocery – {city}", region=region,
            )
        )
        vendors.append(
            organisation_create(
                actor=None, code=f"pharmacie-{slug}", kind=Organisation.Kind.VENDOR,
                name_fr=f"Pharmacie Centrale – {city}", name_ar=f"الصيدلية المركزية – {city_ar}",
                name_en=f"Central Pharmacy – {city}", region=region,
            )
        )
        facilities.append(
            organisation_create(
                actor=None, code=f"centre-sante-{slug}", kind=Organisation.Kind.HEALTH_FACILITY,
                name_fr=f"Centre de santé urbain – {city}", name_ar=f"المركز الصحي الحضري – {city_ar}",
                name_en=f"Urban Health Centre – {city}", region=region,
            )
        )
    world["partners"], world["vendors"], world["health_facilities"] = partners, vendors, facilities


def build_programme(world: DemoWorld) -> None:
    mad = Currency.objects.get(code="MAD")
    eur = Currency.objects.get(code="EUR")
    world["programme"] = programme = programme_create(
        actor=None,
        code="rdpp-maroc",
        title_fr="Programme régional de développement et de protection pour l'Afrique du Nord – Maroc (RDPP)",
        title_ar="البرنامج الإقليمي للتنمية والحماية لشمال إفريقيا – المغرب",
        title_en="Regional Development and Protection Programme for North Africa – Morocco (RDPP)",
        description_fr=(
            "Renforcer la résilience des populations migrantes en situation de vulnérabilité : "
            "assistance directe (kits alimentaires, bons alimentaires, kits d'hygiène), assistance "
            "médicale, et accompagnement des associations pour la territorialisation de la SNIA."
        ),
        description_ar=(
            "تعزيز صمود المهاجرين في وضعية هشاشة: المساعدة المباشرة (سلال غذائية وقسائم غذائية "
            "وحقائب النظافة) والمساعدة الطبية ومواكبة الجمعيات في التنزيل الترابي للاستراتيجية."
        ),
        description_en=(
            "Strengthening the resilience of migrants in vulnerable situations: direct assistance "
            "(food kits, food vouchers, hygiene kits), medical assistance, and accompaniment of "
            "associations in the territorialisation of the SNIA."
        ),
        lead=world["mission"],
        donors=[world["donor"]],
        counterparts=[world["ministry"], world["directorate"]],
        start=dt.date(2019, 1, 1),
        end=dt.date(2022, 12, 31),
        axis=ThematicAxis.objects.get(code="protection-resilience"),
        regions=world["regions"],
        sdg_targets=SdgTarget.objects.filter(code__in=["10.7", "10.2", "3.8", "2.1"]),
        snia_programmes=SniaProgramme.objects.filter(
            code__in=["health", "social-humanitarian-assistance", "flows-trafficking",
                      "cooperation-partnerships", "governance-communication"]
        ),
        budget=Decimal("6500000"),
        currency=eur,
    )
    for number, partner in enumerate(world["partners"], start=1):
        start = dt.date(2019, world.rng.choice([3, 4, 6, 9]), 1)
        agreement_create(
            actor=None,
            reference=f"RDPP-MA-{number:03d}",
            partner=partner,
            programme=programme,
            regions=[partner.region],
            start=start,
            end=dt.date(2022, 12, 31),
            budget=Decimal(world.rng.randrange(900_000, 2_400_000, 50_000)),
            currency=mad,
            signed_on=start - dt.timedelta(days=20),
        )


def build_users(world: DemoWorld) -> None:
    def add(username: str, role: Role, organisation: Organisation, **extra: object) -> None:
        user = user_create(
            actor=None, username=username, email=f"{username}@demo.himaya.invalid",
            organisation=organisation, role=role, password=DEMO_PASSWORD, **extra,
        )
        world.logins.append((str(role.label), username, organisation.code))
        world[f"user:{username}"] = user

    add("admin", Role.MISSION_ADMIN, world["mission"], first_name="Amina")
    admin = world["user:admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    add("manager", Role.PROGRAMME_MANAGER, world["mission"], first_name="Karim")
    add("protection", Role.PROTECTION_OFFICER, world["mission"], first_name="Salma",
        regions=world["regions"])
    add("me", Role.ME_OFFICER, world["mission"], first_name="Youssef")
    add("donor", Role.DONOR, world["donor"], first_name="Claire")
    add("government", Role.GOVERNMENT, world["directorate"], first_name="Hicham")
    add("vendor", Role.VENDOR, world["vendors"][0], first_name="Rachid")
    for partner in world["partners"]:
        base = partner.code.removeprefix("asso-")
        add(f"{base}-coord", Role.PARTNER_COORDINATOR, partner)
        add(f"{base}-agent", Role.FIELD_AGENT, partner)


CLOSING_BODY_FR = """Le vendredi 16 décembre 2022, de 9h30 à 13h00, la Fondation Orient-Occident à Rabat accueille la clôture nationale du Programme régional de développement et de protection pour l'Afrique du Nord au Maroc (RDPP), à l'occasion de la Journée internationale des migrants.

Lancé en 2019 par l'Union européenne et l'OIM au Maroc, en Algérie, en Égypte, en Libye et en Tunisie, le programme a soutenu la protection, l'intégration et l'autonomisation des personnes migrantes en situation de vulnérabilité. Au Maroc, il a été mené avec le département chargé des Marocains résidant à l'étranger et des affaires de la migration, et avec des associations de la société civile, et il a su s'adapter pendant la crise sanitaire de la Covid-19.

En trois ans, des associations partenaires de sept régions — Tanger-Tétouan-Al Hoceima, l'Oriental, Fès-Meknès, Rabat-Salé-Kénitra, Casablanca-Settat, Marrakech-Safi et Souss-Massa — ont apporté aux personnes migrantes des kits alimentaires, des bons alimentaires, des kits d'hygiène et des assistances médicales. Quinze associations ont été accompagnées pour élaborer une feuille de route pour la territorialisation de la Stratégie nationale d'immigration et d'asile (SNIA).

La matinée réunit les partenaires institutionnels, techniques, financiers et associatifs, des citoyennes et citoyens marocains et des membres des communautés migrantes, autour d'une pièce de théâtre jouée par des Marocains et des migrants, d'intermèdes musicaux et d'une exposition de photos."""

CLOSING_BODY_AR = """يحتضن مقر مؤسسة الشرق والغرب بالرباط، يوم الجمعة 16 دجنبر 2022 من الساعة 9:30 إلى 13:00، حفل الاختتام الوطني للبرنامج الإقليمي للتنمية والحماية لشمال إفريقيا بالمغرب، بمناسبة اليوم الدولي للمهاجرين.

أُطلق البرنامج سنة 2019 من طرف الاتحاد الأوروبي والمنظمة الدولية للهجرة في المغرب والجزائر ومصر وليبيا وتونس، لدعم حماية المهاجرين في وضعية هشاشة وإدماجهم وتمكينهم. وقد نُفذ بالمغرب بتعاون مع القطاع المكلف بالمغاربة المقيمين بالخارج وشؤون الهجرة ومع جمعيات المجتمع المدني، وتكيّف مع ظروف الأزمة الصحية لكوفيد-19.

على مدى ثلاث سنوات، قدمت الجمعيات الشريكة في سبع جهات سلالاً غذائية وقسائم غذائية وحقائب للنظافة ومساعدات طبية للمهاجرين، ورافق البرنامج خمس عشرة جمعية في إعداد خارطة طريق للتنزيل الترابي للاستراتيجية الوطنية للهجرة واللجوء.

يجمع اللقاء الشركاء المؤسساتيين والتقنيين والماليين والجمعويين ومواطنين مغاربة وأفراداً من مجتمعات المهاجرين، حول عرض مسرحي وفقرات موسيقية ومعرض للصور."""

CLOSING_BODY_EN = """On Friday 16 December 2022, from 09:30 to 13:00, the Fondation Orient-Occident in Rabat hosts the national closing of the Regional Development and Protection Programme for North Africa in Morocco (RDPP), on the occasion of International Migrants Day.

Launched in 2019 by the European Union and IOM in Morocco, Algeria, Egypt, Libya and Tunisia, the programme supported the protection, integration and empowerment of migrants in vulnerable situations. In Morocco it was carried out with the department in charge of Moroccans living abroad and migration affairs and with civil-society associations, and it adapted during the COVID-19 health crisis.

Over three years, partner associations in seven regions — Tanger-Tétouan-Al Hoceima, the Oriental, Fès-Meknès, Rabat-Salé-Kénitra, Casablanca-Settat, Marrakech-Safi and Souss-Massa — brought migrants food kits, food vouchers, hygiene kits and medical assistance. Fifteen associations were accompanied in drawing up a roadmap for the territorialisation of the national immigration and asylum strategy (SNIA).

The morning brings together institutional, technical, financial and associative partners, Moroccan citizens and members of migrant communities, around a play performed by Moroccans and migrants, musical interludes and a photo exhibition."""


def build_site(world: DemoWorld) -> None:
    Page.objects.update_or_create(
        section=Page.Section.ABOUT,
        defaults={
            "title_fr": "Qui sommes-nous", "title_ar": "من نحن", "title_en": "Who we are",
            "body_fr": "La mission de l'OIM au Maroc, présente depuis 2007, promeut une migration humaine et ordonnée qui profite à tous. Avec ses partenaires associatifs et institutionnels, elle protège et assiste les personnes migrantes quel que soit leur statut.",
            "body_ar": "تعمل بعثة المنظمة الدولية للهجرة بالمغرب، الحاضرة منذ 2007، على تعزيز هجرة إنسانية ومنظمة تعود بالنفع على الجميع. وتقوم، مع شركائها من الجمعيات والمؤسسات، بحماية المهاجرين ومساعدتهم أياً كان وضعهم.",
            "body_en": "The IOM mission in Morocco, present since 2007, promotes humane and orderly migration that benefits all. With its partner associations and institutions, it protects and assists migrants whatever their status.",
        },
    )
    Page.objects.update_or_create(
        section=Page.Section.WORK,
        defaults={
            "title_fr": "Notre travail", "title_ar": "عملنا", "title_en": "Our work",
            "body_fr": "La mission concentre ses activités autour de trois axes thématiques et soutient la réalisation du Programme 2030, de l'aide humanitaire au développement durable.",
            "body_ar": "تركز البعثة أنشطتها حول ثلاثة محاور موضوعاتية وتدعم تحقيق خطة 2030، من العمل الإنساني إلى التنمية المستدامة.",
            "body_en": "The mission focuses its work on three thematic axes and supports the 2030 Agenda, from humanitarian assistance to sustainable development.",
        },
    )
    Page.objects.update_or_create(
        section=Page.Section.DATA,
        defaults={
            "title_fr": "Données et ressources", "title_ar": "البيانات والموارد", "title_en": "Data and resources",
            "body_fr": "Les chiffres publiés ici sont calculés à partir des enregistrements des programmes et protégés par un contrôle de la divulgation.",
            "body_ar": "الأرقام المنشورة هنا محسوبة انطلاقاً من سجلات البرامج ومحمية بضبط الإفصاح الإحصائي.",
            "body_en": "The figures published here are computed from the programmes' records and protected by disclosure control.",
        },
    )
    casablanca = ZoneInfo("Africa/Casablanca")
    world["closing_article"], _created = Article.objects.update_or_create(
        slug="cloture-nationale-rdpp-maroc",
        defaults={
            "kind": Article.Kind.EVENT,
            "title_fr": "Clôture nationale du programme RDPP au Maroc, à l'occasion de la Journée internationale des migrants",
            "title_ar": "الاختتام الوطني لبرنامج التنمية والحماية بالمغرب بمناسبة اليوم الدولي للمهاجرين",
            "title_en": "National closing of the RDPP in Morocco, on International Migrants Day",
            "summary_fr": "Le 16 décembre 2022, partenaires et communautés se retrouvent à la Fondation Orient-Occident pour présenter les résultats de trois années du programme.",
            "summary_ar": "يلتقي الشركاء والمجتمعات يوم 16 دجنبر 2022 بمؤسسة الشرق والغرب لتقديم نتائج ثلاث سنوات من البرنامج.",
            "summary_en": "On 16 December 2022, partners and communities meet at the Fondation Orient-Occident to present the results of the programme's three years.",
            "body_fr": CLOSING_BODY_FR, "body_ar": CLOSING_BODY_AR, "body_en": CLOSING_BODY_EN,
            "published_on": dt.date(2022, 12, 12),
            "is_published": True,
            "event_starts_at": dt.datetime(2022, 12, 16, 9, 30, tzinfo=casablanca),
            "event_ends_at": dt.datetime(2022, 12, 16, 13, 0, tzinfo=casablanca),
            "event_place": "Fondation Orient-Occident, Rabat",
        },
    )


def build(world: DemoWorld) -> None:
    build_organisations(world)
    build_programme(world)
    build_users(world)
    build_site(world)
