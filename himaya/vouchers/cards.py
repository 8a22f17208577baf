"""Printable voucher cards: eight per A4 page, QR code, amount and validity in French and Arabic.

Cards are printed when the codes are known, that is right after issuing: the
database cannot give a code back (see `codes`). WeasyPrint lays out the Arabic
right to left; DejaVu Sans, installed with the system, has the Arabic glyphs.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from himaya.vouchers import codes
from himaya.vouchers.models import Voucher


def qr_data_uri(text: str) -> str:
    image = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class CardText:
    title: str
    amount: str
    validity: str


def _texts(voucher: Voucher, language: str) -> CardText:
    with translation.override(language):
        return CardText(
            title=_("Voucher: %(category)s") % {"category": voucher.get_category_display()},
            amount=_("%(amount)s MAD") % {"amount": formats.number_format(voucher.value, 2, use_l10n=True)},
            validity=_("Valid from %(start)s to %(end)s") % {
                "start": voucher.valid_from.strftime("%d/%m/%Y"),
                "end": voucher.valid_until.strftime("%d/%m/%Y"),
            },
        )


def render_cards_pdf(cards: Sequence[tuple[Voucher, str]], *, first_names: dict[int, str] | None = None) -> bytes:
    """One PDF of cards for (voucher, code) pairs; first names only if the programme allows."""
    from weasyprint import HTML  # loads Pango: only when a PDF is made

    first_names = first_names or {}
    context = {
        "cards": [
            {
                "voucher": voucher,
                "code": codes.display(code),
                "qr": qr_data_uri(codes.display(code)),
                "fr": _texts(voucher, "fr"),
                "ar": _texts(voucher, "ar"),
                "partner": voucher.partner,
                "first_name": first_names.get(voucher.pk, ""),
            }
            for voucher, code in cards
        ]
    }
    with translation.override("fr"):
        html = render_to_string("vouchers/pdf/cards.html", context)
    return HTML(string=html).write_pdf()
