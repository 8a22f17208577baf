"""Proof of service for a referral as an uploaded file: PDF, JPEG or PNG, size-limited.

The file is checked by its first bytes, not its name, stored under a random name in the
private media root (never served by the web server) and read back only through an
audited download for medical readers (PROTECTION.md: medical details).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from himaya.assistance.models import Referral, ReferralProof
from himaya.audit.services import audit_record

KINDS = (
    ("application/pdf", (b"%PDF-",), ("pdf",)),
    ("image/jpeg", (b"\xff\xd8\xff",), ("jpg", "jpeg")),
    ("image/png", (b"\x89PNG\r\n\x1a\n",), ("png",)),
)


def max_bytes() -> int:
    return int(getattr(settings, "HIMAYA_PROOF_MAX_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    size: int


def _safe_name(name: str) -> str:
    base = re.sub(r"[^\w.\- ]", "_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return (base or "proof")[-120:]


def check(file: IO[bytes], name: str, size: int) -> Checked:
    """Accept the file or say why not, in the user's language."""
    if size > max_bytes():
        raise ValidationError(_("The file is too large (%(size)s MB); the limit is %(limit)s MB.") % {
            "size": round(size / 1024 / 1024, 1), "limit": round(max_bytes() / 1024 / 1024, 1)})
    if size == 0:
        raise ValidationError(_("The file is empty."))
    safe = _safe_name(name)
    extension = safe.rpartition(".")[2].lower() if "." in safe else ""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for content_type, signatures, extensions in KINDS:
        if extension in extensions and any(head.startswith(s) for s in signatures):
            return Checked(safe, content_type, size)
    raise ValidationError(_("Send a PDF, JPEG or PNG file (its content must match its extension)."))


@transaction.atomic
def proof_add(*, actor: Any, referral: Referral, file: IO[bytes], name: str, size: int) -> ReferralProof:
    checked = check(file, name, size)
    proof = ReferralProof(referral=referral, stored_token=secrets.token_hex(16), original_name=checked.name,
                          content_type=checked.content_type, size=checked.size,
                          uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    # Written just before the row: a refused upload leaves no file behind; a failed row
    # removes the file it wrote.
    proof.file.save(checked.name, File(file), save=False)
    try:
        proof.save()
    except Exception:
        proof.file.delete(save=False)
        raise
    audit_record(actor=actor, kind="create", action="referral.proof_add", target=referral,
                 organisation_id=referral.organisation_id, fields=["proof_of_service"])
    return proof


def proof_opened(*, actor: Any, proof: ReferralProof) -> None:
    """Each download is logged: who read which referral's proof."""
    audit_record(actor=actor, kind="view", action="referral.proof_download", target=proof.referral,
                 organisation_id=proof.referral.organisation_id, fields=["proof_of_service"])
