"""The order book of a reverse auction: every supplier's live quote, lowest first.

Quotes are kept in a `SortedList` of `(price_fen, seq, supplier_id)`: lowest price first, and among
equal prices the one accepted first (smaller `seq`). A supplier has at most one live quote, its last;
a new quote from the same supplier replaces the old one. Best price, a supplier's rank and the number
of distinct bidders are O(log n). `place` is the fast path (replay, the live book);
`place_reporting` also reports the ranks that changed, computed from the positions that moved
rather than by re-ranking everyone.
"""

from typing import NamedTuple

from sortedcontainers import SortedList


class Quote(NamedTuple):
    supplier_id: str
    price_fen: int
    seq: int
    at: int


class OrderBook:
    __slots__ = ("_by_supplier", "_keys")

    def __init__(self) -> None:
        self._keys: SortedList = SortedList()
        self._by_supplier: dict[str, Quote] = {}

    def place(self, quote: Quote) -> None:
        """Put `quote` in the book, replacing the supplier's previous one."""
        previous = self._by_supplier.get(quote.supplier_id)
        if previous is not None:
            self._keys.remove((previous.price_fen, previous.seq, previous.supplier_id))
        self._keys.add((quote.price_fen, quote.seq, quote.supplier_id))
        self._by_supplier[quote.supplier_id] = quote

    def place_reporting(self, quote: Quote) -> dict[str, int]:
        """`place`, returning every supplier whose rank changed, with its new rank (1 = best)."""
        previous = self._by_supplier.get(quote.supplier_id)
        old_index: int | None = None
        if previous is not None:
            old_key = (previous.price_fen, previous.seq, previous.supplier_id)
            old_index = self._keys.index(old_key)
            del self._keys[old_index]
        key = (quote.price_fen, quote.seq, quote.supplier_id)
        self._keys.add(key)
        self._by_supplier[quote.supplier_id] = quote
        new_index = self._keys.bisect_left(key)
        # Only the quotes between the old position and the new one moved (for a newcomer: all below it).
        if old_index is None:
            moved = range(new_index + 1, len(self._keys))
        elif new_index <= old_index:
            moved = range(new_index + 1, old_index + 1)
        else:
            moved = range(old_index, new_index)
        changed = {self._keys[i][2]: i + 1 for i in moved}
        if old_index != new_index:
            changed[quote.supplier_id] = new_index + 1
        return changed

    def best(self) -> Quote | None:
        if not self._keys:
            return None
        return self._by_supplier[self._keys[0][2]]

    def quote_of(self, supplier_id: str) -> Quote | None:
        return self._by_supplier.get(supplier_id)

    def rank(self, supplier_id: str) -> int | None:
        quote = self._by_supplier.get(supplier_id)
        if quote is None:
            return None
        return self._keys.bisect_left((quote.price_fen, quote.seq, supplier_id)) + 1

    @property
    def bidders(self) -> int:
        return len(self._by_supplier)

    def ranked(self) -> list[Quote]:
        """Every live quote, best first."""
        return [self._by_supplier[key[2]] for key in self._keys]

    def check_invariants(self) -> None:
        """Raise AssertionError if the two indexes disagree; tests call this after every command."""
        assert len(self._keys) == len(self._by_supplier), "one live quote per supplier"
        for key in self._keys:
            quote = self._by_supplier[key[2]]
            assert (quote.price_fen, quote.seq, quote.supplier_id) == key, "index matches quote"
        keys = list(self._keys)
        assert keys == sorted(keys), "sorted by (price, seq)"
