"""Uploaded files kept between checking and applying, encrypted at rest.

An uploaded sheet is a list of people in clear. It is sealed as it is written,
in 1 MiB chunks with AES-256-GCM under the registry's current key (so
`rotate-keys` and the key file's protection apply to it), each chunk bound to
the file's name, its position and whether it is the last: chunks cannot be
reordered, dropped or truncated unnoticed. It is opened into a private temporary
file only while a job reads it, and deleted once the import is applied.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from himaya.registry import encryption

CHUNK = 1024 * 1024
MAGIC = b"HIMAYA-INTAKE-1\n"
_LENGTH = struct.Struct(">I")


class StoredFileError(RuntimeError):
    """The stored upload is missing or does not open (another key file, or tampering)."""


def uploads_directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "intake"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _aad(name: str, index: int, last: bool) -> bytes:
    return f"intake:{name}:{index}:{int(last)}".encode()


def store_upload(source: IO[bytes]) -> tuple[str, int, str]:
    """Seal `source` into a new stored file; returns (name, size in bytes, SHA-256 of the content)."""
    ring = encryption.keyring()
    key_id = ring.current_id
    cipher = AESGCM(ring.keys[key_id])
    name = secrets.token_hex(16)
    sha, size = hashlib.sha256(), 0
    path = uploads_directory() / name
    with path.open("xb") as out:
        os.chmod(path, 0o600)
        out.write(MAGIC + key_id.encode() + b"\n")
        index, chunk = 0, source.read(CHUNK)
        while True:
            following = source.read(CHUNK) if chunk else b""
            last = not following
            sha.update(chunk)
            size += len(chunk)
            nonce = secrets.token_bytes(12)
            sealed = nonce + cipher.encrypt(nonce, chunk, _aad(name, index, last))
            out.write(_LENGTH.pack(len(sealed)) + sealed)
            if last:
                break
            index, chunk = index + 1, following
    return name, size, sha.hexdigest()


@contextmanager
def opened_upload(name: str, suffix: str = "") -> Iterator[Path]:
    """The stored file decrypted into a private temporary file, removed on exit."""
    path = uploads_directory() / name
    if not name or not path.is_file():
        raise StoredFileError("the uploaded file is no longer stored")
    ring = encryption.keyring()
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=uploads_directory())
    try:
        with path.open("rb") as sealed_file, os.fdopen(handle, "wb") as out:
            if sealed_file.read(len(MAGIC)) != MAGIC:
                raise StoredFileError("not a stored upload")
            key_id = sealed_file.readline().strip().decode()
            if key_id not in ring.keys:
                raise StoredFileError("the key of the stored upload is gone")
            cipher = AESGCM(ring.keys[key_id])
            index, last = 0, False
            while not last:
                header = sealed_file.read(_LENGTH.size)
                if len(header) != _LENGTH.size:
                    raise StoredFileError("the stored upload is truncated")
                sealed = sealed_file.read(_LENGTH.unpack(header)[0])
                # The next header's absence says this chunk claims to be the last.
                last = sealed_file.peek(1)[:1] == b"" if hasattr(sealed_file, "peek") else False
                try:
                    out.write(cipher.decrypt(sealed[:12], sealed[12:], _aad(name, index, last)))
                except Exception as error:  # InvalidTag: tampered, reordered or truncated
                    raise StoredFileError("the stored upload does not open") from error
                index += 1
        yield Path(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)


def delete_upload(name: str) -> None:
    if name:
        (uploads_directory() / name).unlink(missing_ok=True)
