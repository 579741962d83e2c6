"""SMSAPI tokens are encrypted at rest, and keys can be rotated."""

import pytest
from cryptography.fernet import Fernet

from portal.token_vault import TokenUnreadable, decrypt_token, encrypt_token, reencrypt_token


def test_token_round_trips_and_the_ciphertext_does_not_contain_it(app):
    with app.app_context():
        ciphertext = encrypt_token("secret-token-1234")
        assert "secret-token-1234" not in ciphertext
        assert decrypt_token(ciphertext) == "secret-token-1234"


def test_a_new_key_in_front_still_reads_old_tokens_and_rotation_moves_them(app):
    with app.app_context():
        old = encrypt_token("secret-token-1234")
        new_key = Fernet.generate_key().decode()
        app.config["TOKEN_ENCRYPTION_KEYS"] = [new_key, *app.config["TOKEN_ENCRYPTION_KEYS"]]
        assert decrypt_token(old) == "secret-token-1234"
        rotated = reencrypt_token(old)
        app.config["TOKEN_ENCRYPTION_KEYS"] = [new_key]
        assert decrypt_token(rotated) == "secret-token-1234"
        with pytest.raises(TokenUnreadable):
            decrypt_token(old)
