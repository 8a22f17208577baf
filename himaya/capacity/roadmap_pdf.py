"""A roadmap as a PDF, in French or Arabic, from a template (WeasyPrint).

Arabic is laid out right to left by the template's `dir="rtl"`; the font is DejaVu Sans,
installed with the system and covering Latin and Arabic, so no font is fetched.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from himaya.capacity import queries
from himaya.capacity.models import Roadmap

PDF_LANGUAGES = ("fr", "ar")


def render_roadmap_pdf(roadmap: Roadmap, language: str, *, show_staff: bool) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which pages that never print need not pay.
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string("capacity/pdf/roadmap.html", {
            "roadmap": roadmap,
            "objectives": queries.objectives_of(roadmap),
            "counts": queries.progress_by_roadmap(
                Roadmap.objects.filter(pk=roadmap.pk)
            ).get(roadmap.pk, queries.ProgressCounts()),
            "show_staff": show_staff,
            "language": language,
            "rtl": language == "ar",
            "printed_on": timezone.localdate(),
        })
    return HTML(string=html).write_pdf()
