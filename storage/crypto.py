"""Encryption of tokens at rest with Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

logger = logging.getLogger(__name__)


class SecretKeyError(ValueError):
    """LOOKOUT_SECRET_KEY is not a Fernet key, or a stored secret was encrypted with another key."""


class TokenCipher:
    """Encrypts and decrypts the Slack and Google tokens we keep in the database."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise SecretKeyError(
                "LOOKOUT_SECRET_KEY must be a Fernet key: URL-safe base64 of 32 random bytes "
                '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
            ) from error

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise SecretKeyError(
                "A stored token cannot be decrypted: LOOKOUT_SECRET_KEY differs from the key it was saved with."
            ) from error

    def encrypt_optional(self, plaintext: str | None) -> str | None:
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, ciphertext: str | None) -> str | None:
        return None if ciphertext is None else self.decrypt(ciphertext)


def key_path(data_dir: Path) -> Path:
    """Where the key generated when LOOKOUT_SECRET_KEY is not set lives."""
    return data_dir / "secret.key"


def load_or_create_key(*, configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or one generated once into `data_dir/secret.key` (mode 0600)."""
    if configured:
        return configured.strip().encode()
    key_file = key_path(data_dir)
    if key_file.exists():
        return key_file.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting together must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    logger.warning(
        "LOOKOUT_SECRET_KEY is not set: generated a key into %s. Back it up; without it stored tokens are lost. "
        "Set LOOKOUT_SECRET_KEY when running several replicas.",
        key_file,
    )
    return key
