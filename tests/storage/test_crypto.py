"""Tokens are encrypted with Fernet; the key comes from the settings or is generated once, privately."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.crypto import SecretKeyError, TokenCipher, load_or_create_key


def test_round_trip_and_ciphertext_hides_the_token(cipher: TokenCipher) -> None:
    ciphertext = cipher.encrypt("xoxb-secret-token")

    assert "xoxb" not in ciphertext
    assert cipher.decrypt(ciphertext) == "xoxb-secret-token"


def test_a_different_key_cannot_decrypt(cipher: TokenCipher) -> None:
    other = TokenCipher(Fernet.generate_key())

    with pytest.raises(SecretKeyError):
        other.decrypt(cipher.encrypt("xoxb-secret-token"))


def test_a_malformed_key_is_explained() -> None:
    with pytest.raises(SecretKeyError, match="Fernet key"):
        TokenCipher(b"not-a-key")


def test_generated_key_is_written_once_with_mode_0600(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = load_or_create_key(configured=None, data_dir=tmp_path)
    second = load_or_create_key(configured=None, data_dir=tmp_path)

    assert first == second
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert "LOOKOUT_SECRET_KEY is not set" in caplog.text
    TokenCipher(first)


def test_configured_key_wins(tmp_path: Path) -> None:
    key = Fernet.generate_key()

    assert load_or_create_key(configured=key.decode(), data_dir=tmp_path) == key
    assert not (tmp_path / "secret.key").exists()
