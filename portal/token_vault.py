"""Encryption at rest for SMSAPI tokens (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from `TOKEN_ENCRYPTION_KEYS`, newest first: the newest encrypts, every key decrypts, so a
new key can be put in front and the stored tokens re-encrypted with `flask rotate-token-key`.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class TokenUnreadable(Exception):
    """The stored token cannot be decrypted with any configured key (a key was removed too soon)."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in current_app.config["TOKEN_ENCRYPTION_KEYS"]])


def encrypt_token(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode("ascii")


def decrypt_token(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken as error:
        raise TokenUnreadable("the SMSAPI token cannot be decrypted with the configured keys") from error


def reencrypt_token(ciphertext: str) -> str:
    """The same token encrypted with the newest key."""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise TokenUnreadable("the SMSAPI token cannot be decrypted with the configured keys") from error
