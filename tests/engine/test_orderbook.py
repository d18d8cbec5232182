"""The order book against a naive model: a list of live quotes re-sorted by (price, seq) each time."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.orderbook import OrderBook, Quote

SUPPLIERS = ("S1", "S2", "S3", "S4", "S5")


class NaiveBook:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []

    def place(self, quote: Quote) -> None:
        self.quotes = [q for q in self.quotes if q.supplier_id != quote.supplier_id]
        self.quotes.append(quote)
        self.quotes.sort(key=lambda q: (q.price_fen, q.seq))

    def ranks(self) -> dict[str, int]:
        return {q.supplier_id: i + 1 for i, q in enumerate(self.quotes)}


def assert_agrees(book: OrderBook, model: NaiveBook) -> None:
    book.check_invariants()
    assert book.ranked() == model.quotes
    assert book.bidders == len(model.quotes)
    assert book.best() == (model.quotes[0] if model.quotes else None)
    ranks = model.ranks()
    for supplier in SUPPLIERS:
        assert book.rank(supplier) == ranks.get(supplier)
        live = [q for q in model.quotes if q.supplier_id == supplier]
        assert book.quote_of(supplier) == (live[0] if live else None)


quotes = st.lists(st.tuples(st.sampled_from(SUPPLIERS), st.integers(min_value=95, max_value=105)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(quotes)
def test_orderbook_matches_naive_model(moves: list[tuple[str, int]]) -> None:
    book, fast, model = OrderBook(), OrderBook(), NaiveBook()
    assert_agrees(book, model)
    for seq, (supplier, price) in enumerate(moves, start=1):
        before = model.ranks()
        quote = Quote(supplier, price, seq, 1_000 * seq)
        changed = book.place_reporting(quote)
        fast.place(quote)
        model.place(quote)
        after = model.ranks()
        expected = {s: r for s, r in after.items() if before.get(s) != r}
        assert changed == expected, f"after placing {quote}"
        assert_agrees(book, model)
        assert_agrees(fast, model)


def test_check_invariants_catches_a_desynchronised_index() -> None:
    book = OrderBook()
    book.place(Quote("S1", 100, 1, 0))
    book._by_supplier["S1"] = Quote("S1", 99, 1, 0)
    with pytest.raises(AssertionError):
        book.check_invariants()


def test_ties_rank_the_earlier_quote_first_and_a_replacement_loses_its_place() -> None:
    book = OrderBook()
    assert book.place_reporting(Quote("A", 100, 1, 0)) == {"A": 1}
    assert book.place_reporting(Quote("B", 100, 2, 0)) == {"B": 2}
    assert book.place_reporting(Quote("C", 99, 3, 0)) == {"C": 1, "A": 2, "B": 3}
    # A re-quotes the same price: it is now the latest at 100, so B overtakes it.
    assert book.place_reporting(Quote("A", 100, 4, 0)) == {"B": 2, "A": 3}
    assert [q.supplier_id for q in book.ranked()] == ["C", "B", "A"]
    # A re-quoting in place changes nothing.
    assert book.place_reporting(Quote("C", 98, 5, 0)) == {}
