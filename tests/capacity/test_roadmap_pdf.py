"""The roadmap prints as a PDF in French and in Arabic (right to left, DejaVu Sans)."""

from django.template.loader import render_to_string
from django.utils import translation

from tests.capacity import builders as b


def test_pdf_in_french_and_arabic(world):
    roadmap = b.roadmap_of(world.partner_a)
    client = world.client_for("donor")
    for language in ("fr", "ar"):
        response = client.get(f"/capacity/roadmaps/{roadmap.pk}/pdf/?lang={language}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    assert client.get(f"/capacity/roadmaps/{roadmap.pk}/pdf/?lang=xx").status_code == 400


def test_arabic_template_is_right_to_left_and_hides_staff_for_outsiders(world):
    roadmap = b.roadmap_of(world.partner_a)
    with translation.override("ar"):
        html = render_to_string("capacity/pdf/roadmap.html", {
            "roadmap": roadmap, "objectives": roadmap.objectives.all(), "counts": None,
            "show_staff": False, "language": "ar", "rtl": True, "printed_on": None,
        })
    assert 'dir="rtl"' in html and "DejaVu Sans" in html
    assert "Fatima" not in html
