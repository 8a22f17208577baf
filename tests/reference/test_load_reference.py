import pytest

from himaya.reference.loading import load_reference
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

pytestmark = pytest.mark.django_db


def test_morocco_territory_comes_from_the_package_with_codes_arabic_names_and_census():
    assert Region.objects.count() == 12
    assert Province.objects.count() == 83
    assert Commune.objects.count() == 1503
    tangier = Region.objects.get(code="01")
    assert tangier.name_fr == "Tanger-Tétouan-Al Hoceima"
    assert tangier.name_ar == "طنجة-تطوان-الحسيمة"
    assert tangier.population_2024 > 4_000_000
    commune = Commune.objects.get(code="01.511.01.0")
    assert commune.province.code == "01.511" and commune.region == tangier
    # Every commune sits in a province of its own region.
    assert not Commune.objects.exclude(province__region=models_f("region")).exists()


def models_f(name):
    from django.db.models import F

    return F(name)


def test_iso_lists_in_three_languages():
    morocco = Country.objects.get(alpha3="MAR")
    assert (morocco.name_en, morocco.name_fr, morocco.name_ar) == ("Morocco", "Maroc", "المغرب")
    assert Currency.objects.get(code="MAD").name_fr
    assert Language.objects.filter(code__in=["bam", "wol", "ary", "ful", "ara", "fra"]).count() == 6


def test_mission_axes_snia_programmes_and_sdg_targets():
    assert ThematicAxis.objects.count() == 3
    assert SniaProgramme.objects.filter(kind="sectoral").count() == 7
    assert SniaProgramme.objects.filter(kind="cross_cutting").count() == 4
    target = SdgTarget.objects.get(code="10.7")
    assert target.goal == 10 and target.title_ar and target.title_en


def test_loading_twice_creates_nothing_and_keeps_admin_edits():
    axis = ThematicAxis.objects.get(code="youth-support")
    axis.name_fr = "Jeunesse (modifié dans l'admin)"
    axis.save()
    before = {m: m.objects.count() for m in (Region, Province, Commune, Country, Language, SniaProgramme)}
    report = load_reference()
    assert {m: m.objects.count() for m in before} == before
    assert sum(report.created.values()) == 0
    axis.refresh_from_db()
    assert axis.name_fr == "Jeunesse (modifié dans l'admin)"
