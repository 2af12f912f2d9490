"""Field encryption with rotatable Fernet keys (newest key first in settings)."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


class UndecryptableError(ValueError):
    """Stored ciphertext no configured key opens (a key was retired before
    `rotate_field_keys` moved its values). Templates render such a value as empty instead
    of failing the whole page; Python code gets the error."""

    silent_variable_failure = True


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableError("cannot decrypt field: no configured key matches") from None


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    return fernet().rotate(token.encode()).decode()


def mask(value: str | None, visible: int = 4) -> str:
    """'***-**-1234' style: only the last `visible` characters show."""
    if not value:
        return ""
    tail = value[-visible:]
    return "\u2022" * max(len(value) - visible, 4) + tail


class Ciphertext:
    """A value as loaded from the database, still encrypted. `values()` queries return
    these; `.plaintext` decrypts."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<Ciphertext>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Ciphertext) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    @property
    def plaintext(self) -> str:
        return decrypt(self.token)


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read of the attribute, not when the row loads: every account and
    payment read joins the customer, and none of them should need the key to an SSN it
    does not show."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)  # loads the column when deferred
        if isinstance(value, Ciphertext):
            value = instance.__dict__[self.field.attname] = value.plaintext
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plaintext, decrypted on first access.
    Not searchable or orderable."""

    descriptor_class = EncryptedAttribute

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return Ciphertext(value)

    def to_python(self, value):
        return value

    def pre_save(self, model_instance, add):
        # A value never read is written back as the ciphertext it was loaded as, so saving
        # a record needs no key to its other fields (and never re-encrypts them).
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value):
        if isinstance(value, Ciphertext):
            return value.token
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
