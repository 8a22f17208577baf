from django.template.loader import render_to_string
from django.utils import translation

from himaya.reporting.regions_map import SUPPRESSED_FILL, choropleth, geometry


def test_twelve_regions_simplified_and_projected():
    shapes = geometry().regions
    assert [s.code for s in shapes] == [f"{n:02d}" for n in range(1, 13)]
    total_points = sum(s.path.count("L") for s in shapes)
    assert total_points < 6000  # simplified from ~100,000 points
    # Tangier (01) lies north of Souss-Massa (09): smaller y in SVG coordinates.
    by_code = {s.code: s for s in shapes}
    assert by_code["01"].label_y < by_code["09"].label_y


def test_choropleth_colours_values_and_greys_suppressed_regions():
    result = choropleth({"01": 500, "02": None, "06": 1200}, {"01": "Tanger", "02": "Oriental"})
    cells = {c.code: c for c in result["cells"]}
    assert cells["02"].fill == SUPPRESSED_FILL and cells["02"].suppressed
    assert cells["06"].fill != cells["01"].fill
    with translation.override("en"):
        html = render_to_string("reporting/regions_map.html", {"map": result, "title": "Test"})
    assert html.count("<path") == 12 and "<script" not in html
    assert "official endorsement" in html
    # Coordinates are never localised (a French "600,0" would break the SVG).
    with translation.override("fr"):
        french = render_to_string("reporting/regions_map.html", {"map": result, "title": "T"})
    assert 'viewBox="0 0 600.0 ' in french
