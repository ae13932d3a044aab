"""What a store knows of one running load: the kinds it found empty, and the content hashes it
read in one pass when a load sends most of what is stored of a kind (a reload).

A row whose content hash (``_h``) equals the ``_h`` or ``_src`` of an item of its kind is
unchanged: the hash covers every column, the identity's among them, so an equal hash is an
item with the row's identity and content. Reading every item's hashes in one scan costs a few
microseconds an item; asking for each row's item by its identity costs tens, so a load reads
the scan once it has sent :data:`SCAN_SHARE` of the stored items of a kind (a reload of the
whole registry soon does, a load of a few changed rows never), and asks the identities only
of the rows the scan does not vouch for.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from graph_service.stores.base import RowKind

#: A load reads the stored hashes of a kind once its rows of that kind reach this share of the
#: items stored when it began: by then reading them one identity at a time cost about as much
#: as the scan of all of them, so the scan at most doubles what a delta of that size costs.
SCAN_SHARE = 1 / 8


@dataclass
class LoadState:
    """One running load, as a store writing it keeps it (threads write it concurrently)."""

    #: Items of each kind stored when the load began.
    stored: Mapping[RowKind, int]
    #: Rows of each kind the load has sent so far.
    sent: Counter[RowKind] = field(default_factory=Counter)
    #: The stored hashes of one kind (the kind being loaded: files come one kind at a time,
    #: and one kind's hashes at 1M entities are a few hundred MB).
    hashes: tuple[RowKind, frozenset[str]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh(self, kind: RowKind) -> bool:
        """Whether the database held no item of ``kind`` when the load began (a first load:
        every row is new, nothing to read)."""
        return not self.stored.get(kind)

    def forget(self, kind: RowKind) -> None:
        """Items of ``kind`` exist now (a create batch found some): read before writing."""
        with self.lock:
            self.stored = dict(self.stored) | {kind: max(1, self.stored.get(kind, 0))}

    def known(
        self, kind: RowKind, rows: int, read: Callable[[RowKind], Iterable[str]]
    ) -> frozenset[str]:
        """The stored hashes of ``kind`` (``_h`` and ``_src`` of every item, by ``read``) once
        the load's ``rows`` more of the kind take it past :data:`SCAN_SHARE` of the stored
        items; before that, none (every row is asked for by its identity)."""
        with self.lock:
            self.sent[kind] += rows
            if self.hashes is not None and self.hashes[0] == kind:
                return self.hashes[1]
            if self.sent[kind] < SCAN_SHARE * self.stored.get(kind, 0):
                return frozenset()
            self.hashes = None  # the previous kind's, before this one's are read
            self.hashes = (kind, frozenset(read(kind)))
            return self.hashes[1]
