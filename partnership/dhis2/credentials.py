"""The DHIS2 secret (password or personal access token), kept encrypted in the database.

It is encrypted with Fernet (AES-128-CBC with an HMAC) under a key derived from the
application's SECRET_KEY, so a copy of the database alone (a dump, a replica) does not give
the DHIS2 account away. It is decrypted only to sign a request to the server, never shown back
(pages show its last characters), masked in the audit log, and never logged. When SECRET_KEY
changes, the stored secret can no longer be read: the settings page says so and asks for it
again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

HINT_LENGTH = 4


class SecretUnreadable(Exception):
    """The stored secret was encrypted under another SECRET_KEY."""


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"partnership-dhis2",
        info=b"dhis2 credentials",
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc


def hint(secret: str) -> str:
    """The end of a secret, enough to recognise it and too little to use it."""
    return secret[-HINT_LENGTH:] if len(secret) >= 3 * HINT_LENGTH else ""
