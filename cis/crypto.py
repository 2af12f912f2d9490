"""Field encryption with rotatable Fernet keys (newest key first in settings)."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt field: no configured key matches") from None


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    return fernet().rotate(token.encode()).decode()


def mask(value: str | None, visible: int = 4) -> str:
    """'***-**-1234' style: only the last `visible` characters show."""
    if not value:
        return ""
    tail = value[-visible:]
    return "\u2022" * max(len(value) - visible, 4) + tail


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plaintext. Not searchable or orderable."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
