"""Person ID numbers at rest: keyed (HMAC-SHA256), sealed (AES-GCM) and masked.

The graph is keyed by the HMAC, so the plain number never appears in an index or a log; a
caller who has the number finds the person by hashing it with the same secret. The sealed copy
lets roles allowed to see the number (investigators) get it back; everyone else sees the mask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graph_service.ids.resident_id import mask_resident_id

__all__ = ["PersonKeyring", "mask_resident_id"]


class PersonKeyring:
    """Keys, seals and unseals person ID numbers with one configured secret."""

    def __init__(self, secret: str) -> None:
        material = secret.encode("utf-8")
        self._hmac_key = hashlib.sha256(b"person-key:" + material).digest()
        self._aead = AESGCM(hashlib.sha256(b"person-seal:" + material).digest())

    def key(self, resident_id: str) -> str:
        """The stable key the graph stores the person under (32 hex characters)."""
        return hmac.digest(self._hmac_key, resident_id.encode("ascii"), "sha256").hex()[:32]

    def seal(self, resident_id: str) -> str:
        """The number encrypted for storage (base64 of nonce + ciphertext)."""
        nonce = os.urandom(12)
        return base64.b64encode(
            nonce + self._aead.encrypt(nonce, resident_id.encode(), None)
        ).decode()

    def unseal(self, sealed: str) -> str:
        """The number back from :meth:`seal`, for roles allowed to see it."""
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
