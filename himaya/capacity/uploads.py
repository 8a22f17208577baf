"""Checking an evidence upload before anything is stored: size, type and file name.

The type is decided by the file's first bytes (content sniffing) and must agree with
the extension: a renamed executable or script is refused whatever it is called. No
library is used because the few formats we accept have fixed, documented signatures,
and a sniffing library (libmagic) would be a system dependency for four checks.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 10 MB: a scanned attendance sheet or a report fits; a video does not belong here.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: frozenset[str]
    signatures: tuple[bytes, ...]
    # Office files are ZIP archives: a member that must be present tells them from any ZIP.
    zip_member: str = ""


KINDS = [
    FileKind("application/pdf", frozenset({"pdf"}), (b"%PDF-",)),
    FileKind("image/png", frozenset({"png"}), (b"\x89PNG\r\n\x1a\n",)),
    FileKind("image/jpeg", frozenset({"jpg", "jpeg"}), (b"\xff\xd8\xff",)),
    FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx"}), (b"PK\x03\x04",), zip_member="word/document.xml",
    ),
    FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({"xlsx"}), (b"PK\x03\x04",), zip_member="xl/workbook.xml",
    ),
]
ALLOWED_EXTENSIONS = sorted({ext for kind in KINDS for ext in kind.extensions})


@dataclass(frozen=True)
class CheckedUpload:
    safe_name: str
    content_type: str
    size: int


def max_bytes() -> int:
    return int(getattr(settings, "HIMAYA_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def safe_file_name(name: str) -> str:
    """The last component of the name, in plain characters: no directory, no leading dot."""
    # Browsers on Windows send "C:\\...\\file.pdf"; attackers send "../../x". Keep the tail only.
    tail = PurePosixPath(name.replace("\\", "/")).name
    tail = unicodedata.normalize("NFKC", tail)
    tail = re.sub(r"[^\w.\- ]", "_", tail).strip(" .")
    tail = re.sub(r"\.{2,}", ".", tail)
    stem, dot, ext = tail.rpartition(".")
    if not dot:
        stem, ext = tail, ""
    stem = stem[: MAX_NAME_LENGTH - len(ext) - 1] or "file"
    return f"{stem}.{ext.lower()}" if ext else stem


def check_upload(file: IO[bytes], name: str, size: int) -> CheckedUpload:
    """Accept the upload or raise a ValidationError saying why, in the user's language."""
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    safe = safe_file_name(name)
    extension = safe.rpartition(".")[2].lower() if "." in safe else ""
    candidates = [kind for kind in KINDS if extension in kind.extensions]
    if not candidates:
        raise ValidationError(
            _("Files of this type are not accepted. Accepted: %(types)s.")
            % {"types": ", ".join(ALLOWED_EXTENSIONS)},
            code="extension",
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for kind in candidates:
        if any(head.startswith(signature) for signature in kind.signatures) and (
            not kind.zip_member or _zip_has(file, kind.zip_member)
        ):
            return CheckedUpload(safe, kind.content_type, size)
    raise ValidationError(
        _("The file's content does not match its extension (.%(ext)s); it was refused.")
        % {"ext": extension},
        code="content",
    )


def _zip_has(file: IO[bytes], member: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        file.seek(0)
