"""Encryption at rest for stored credentials (Cliniko API key, SMTP/SMS secrets).

Keys come from ONCORD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first.
Old keys keep decrypting, so a key can be rotated without re-entering secrets.
"""
from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet, Fernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def fernet(keys: str | None = None) -> MultiFernet:
    keys = keys if keys is not None else current_app.config["ENCRYPTION_KEYS"]
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def encrypt(plaintext: str, keys: str | None = None) -> str:
    return fernet(keys).encrypt(plaintext.encode()).decode()


def decrypt(token: str, keys: str | None = None) -> str:
    try:
        return fernet(keys).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted: check ONCORD_ENCRYPTION_KEYS") from exc


class EncryptedText(TypeDecorator):
    """A text column that is stored encrypted and read back in clear."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
