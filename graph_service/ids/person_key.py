"""Person ID numbers at rest: keyed (HMAC-SHA256), sealed (AES-GCM) and masked.

The graph is keyed by the HMAC, so the plain number never appears in an index or a log; a
caller who has the number finds the person by hashing it with the same secret. The sealed copy
lets roles allowed to see the number (investigators) get it back; everyone else sees the mask.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
from _hashlib import hmac_new
from collections.abc import Sequence
from typing import cast

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graph_service.ids.resident_id import mask_resident_id

__all__ = ["PersonKeyring", "mask_resident_id"]


class PersonKeyring:
    """Keys, seals and unseals person ID numbers with one configured secret."""

    def __init__(self, secret: str) -> None:
        material = secret.encode("utf-8")
        # The HMAC with its key already absorbed: each number's copies it (half the cost of
        # hmac.digest, which sets the key up again for every number). OpenSSL's HMAC object
        # itself, which hmac.new wraps: the wrapper's Python copy, update and hexdigest were a
        # third of the cost of keying a number.
        self._mac = hmac_new(hashlib.sha256(b"person-key:" + material).digest(), b"", "sha256")
        self._aead = AESGCM(hashlib.sha256(b"person-seal:" + material).digest())
        self._memo: dict[str, str] | None = None
        self._memo_size = 0

    def memoised(self, size: int = 1 << 24) -> PersonKeyring:
        """This keyring remembering the keys of up to ``size`` numbers (forgotten all at once
        when full): for a load, whose roles, shareholdings and records key again the numbers
        persons.csv keyed. Not for the service, which would keep plain numbers in memory.
        A keyring that remembers already is returned as it is (its memo shared by the loads
        it is given to: a bulk load's stages key persons.csv's numbers once)."""
        if self._memo is not None:
            return self
        twin = copy.copy(self)
        twin._memo, twin._memo_size = {}, size
        return twin

    def key(self, resident_id: str) -> str:
        """The stable key the graph stores the person under (32 hex characters)."""
        return self.keys([resident_id])[0]

    def keys(self, resident_ids: Sequence[str]) -> list[str]:
        """:meth:`key` of each number: remembered ones looked up, each other number hashed
        once (a memo that is full is forgotten first; one call may take it past its size)."""
        memo = self._memo
        if memo is None:
            memo = {}
        elif len(memo) >= self._memo_size:
            memo.clear()
        out = list(map(memo.get, resident_ids))
        if None not in out:
            return cast(list[str], out)
        mac = self._mac
        for i, number in enumerate(resident_ids):
            if out[i] is None:
                if (known := memo.get(number)) is None:  # not an earlier number of this call
                    one = mac.copy()
                    one.update(number.encode("ascii"))
                    known = memo[number] = one.hexdigest()[:32]
                out[i] = known
        return cast(list[str], out)

    def seal(self, resident_id: str) -> str:
        """The number encrypted for storage (base64 of nonce + ciphertext)."""
        return self.seal_many([resident_id])[0]

    def seal_many(self, resident_ids: Sequence[str]) -> list[str]:
        """:meth:`seal` of each number (the random nonces drawn in one call)."""
        nonces = os.urandom(12 * len(resident_ids))
        out = []
        for i, number in enumerate(resident_ids):
            nonce = nonces[12 * i : 12 * i + 12]
            sealed = nonce + self._aead.encrypt(nonce, number.encode(), None)
            out.append(base64.b64encode(sealed).decode())
        return out

    def unseal(self, sealed: str) -> str:
        """The number back from :meth:`seal`, for roles allowed to see it."""
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
