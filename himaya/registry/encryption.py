"""Application-layer encryption of identifiers, with keys kept outside the database.

Values are sealed with AES-256-GCM under a fresh 96-bit nonce and stored as
``v1:<key id>:<base64(nonce + ciphertext + tag)>``. The key id lets several keys
coexist, so `himaya rotate-keys` can add a key and re-encrypt while every value
stays readable. The column's name is bound in as associated data, so a value
copied into another column does not decrypt.

Blind-index hashing (HMAC-SHA256) uses its own key, kept in the same file: a
leaked index key alone decrypts nothing, and the encryption keys can be rotated
without touching the indexes.

The key file (``HIMAYA_KEYS_FILE``, default ``<VAR_DIR>/keys.json``) is created
with mode 0600 on first use outside production; in production a missing file is
a configuration error, never a silently generated key.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class KeyFileError(ImproperlyConfigured):
    pass


class DecryptionError(RuntimeError):
    """A stored value could not be opened: unknown key id, wrong column, or tampering."""


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]
    index_id: str
    index_keys: dict[str, bytes]

    @property
    def index_key(self) -> bytes:
        return self.index_keys[self.index_id]

    def to_json(self) -> dict[str, Any]:
        encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
        return {
            "format": 1,
            "encryption": {"current": self.current_id,
                           "keys": {kid: encode(k) for kid, k in self.keys.items()}},
            "index": {"current": self.index_id,
                      "keys": {kid: encode(k) for kid, k in self.index_keys.items()}},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: Path) -> KeyRing:
        try:
            enc, idx = data["encryption"], data["index"]
            keys = {kid: base64.b64decode(v) for kid, v in enc["keys"].items()}
            index_keys = {kid: base64.b64decode(v) for kid, v in idx["keys"].items()}
            ring = cls(enc["current"], keys, idx["current"], index_keys)
        except (KeyError, TypeError, ValueError) as error:
            raise KeyFileError(f"{source}: not a Himaya key file ({error})") from None
        if ring.current_id not in keys or ring.index_id not in index_keys:
            raise KeyFileError(f"{source}: the current key is not among the keys")
        if any(len(k) != KEY_BYTES for k in [*keys.values(), *index_keys.values()]):
            raise KeyFileError(f"{source}: every key must be {KEY_BYTES} bytes")
        if any(":" in kid for kid in keys):
            raise KeyFileError(f"{source}: a key id cannot contain ':'")
        return ring

    def with_new_key(self) -> tuple[KeyRing, str]:
        kid = new_key_id(self.keys)
        return KeyRing(kid, {**self.keys, kid: AESGCM.generate_key(bit_length=256)},
                       self.index_id, self.index_keys), kid

    def without_keys(self, kids: set[str]) -> KeyRing:
        if self.current_id in kids:
            raise KeyFileError("the current key cannot be retired")
        return KeyRing(self.current_id, {k: v for k, v in self.keys.items() if k not in kids},
                       self.index_id, self.index_keys)


def new_key_id(existing: dict[str, bytes]) -> str:
    number = len(existing) + 1
    while f"k{number}" in existing:
        number += 1
    return f"k{number}"


def fresh_keyring() -> KeyRing:
    return KeyRing("k1", {"k1": AESGCM.generate_key(bit_length=256)},
                   "i1", {"i1": secrets.token_bytes(KEY_BYTES)})


def keys_path() -> Path:
    return Path(_keys_location())


_location: list[Any] = [None, ""]  # [the settings object it was read from, the location]


def _keys_location() -> str:
    # A plain string, computed once per settings object: `keyring()` runs for every value
    # sealed or opened, and building a Path and asking the settings for an unset name (an
    # exception each time) was a tenth of an import's time and of a search's.
    configured = os.environ.get("HIMAYA_KEYS_FILE")
    if configured:
        return configured
    current = settings._wrapped  # replaced by override_settings: then read again
    if _location[0] is not current:
        configured = getattr(settings, "HIMAYA_KEYS_FILE", "")
        _location[:] = [current, str(configured) if configured else os.path.join(settings.VAR_DIR, "keys.json")]
    return _location[1]


def write_keyring(ring: KeyRing, path: Path | None = None) -> None:
    """Replace the key file atomically, readable by its owner only."""
    path = path or keys_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(ring.to_json(), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _cache.clear()


_cache: dict[tuple[str, int], KeyRing] = {}
_lock = threading.Lock()


def keyring() -> KeyRing:
    """The keys in force; re-read when the file changes (after a rotation by another process).

    The file is stat'ed on every call (a few microseconds) so that a rotation is seen at
    once; callers that seal or hash many values in one go (imports) take the ring once
    and pass it (`ring=`, `key=`) instead of calling this for each value.
    """
    location = _keys_location()
    try:
        stamp = os.stat(location).st_mtime_ns
    except FileNotFoundError:
        path = Path(location)
        if getattr(settings, "PRODUCTION", False):
            raise KeyFileError(
                f"The key file {path} is missing. Restore it from the key backup or set "
                "HIMAYA_KEYS_FILE; without it no identifier can be read."
            ) from None
        with _lock:
            if not path.exists():
                write_keyring(fresh_keyring(), path)
        stamp = path.stat().st_mtime_ns
    cached = _cache.get((location, stamp))
    if cached is not None:
        return cached
    path = Path(location)
    with path.open() as handle:
        try:
            ring = KeyRing.from_json(json.load(handle), path)
        except json.JSONDecodeError as error:
            raise KeyFileError(f"{path}: not valid JSON ({error})") from None
    _cache.clear()
    _cache[(location, stamp)] = ring
    return ring


@lru_cache(maxsize=16)
def _aead(key: bytes) -> AESGCM:
    # One cipher object per key, not per value (its set-up is a measurable share of a bulk import).
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = _aead(ring.keys[ring.current_id]).encrypt(
        nonce, plaintext.encode(), context.encode()
    )
    return f"{FORMAT}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT else ""


def decrypt(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    try:
        version, kid, payload = token.split(":", 2)
        if version != FORMAT:
            raise ValueError(version)
        raw = base64.b64decode(payload)
        key = ring.keys[kid]
    except (ValueError, KeyError):
        raise DecryptionError(f"cannot open a value of {context} (unknown format or key)") from None
    try:
        return _aead(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except InvalidTag:
        raise DecryptionError(f"a value of {context} failed authentication") from None
