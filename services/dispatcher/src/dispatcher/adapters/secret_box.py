"""Webhook secrets at rest: Fernet-encrypted under SENTRY_ENCRYPTION_KEY.

A dump of the database alone does not let anyone forge deliveries. Secrets
are decrypted for each signature and not kept: a rotation or revocation takes
effect on the next send, and no long-lived object holds the plaintext.
"""

from __future__ import annotations

from cryptography.fernet import Fernet

from dispatcher.domain.signing import WebhookSecret


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key)

    def seal(self, secret: WebhookSecret) -> bytes:
        return self._fernet.encrypt(secret.key)

    def open(self, ciphertext: bytes) -> WebhookSecret:
        return WebhookSecret(self._fernet.decrypt(ciphertext))
