"""A model field whose value is encrypted before it reaches the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from himaya.registry import encryption


class EncryptedTextField(models.TextField):
    """Plain `str` in Python, AES-GCM ciphertext in the column (see `encryption`).

    The empty string is stored as is: it says only that nothing was given, and
    keeps "no phone" distinguishable without a key. Lookups on the column are
    meaningless (every write uses a new nonce): search through blind indexes.
    """

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        # Bound into each ciphertext so a value moved to another column fails to open.
        self.encryption_context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encryption.encrypt(str(value), context=self.encryption_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return encryption.decrypt(value, context=self.encryption_context)
