"""Item-code hierarchy (2013 and 2022 spellings) and the packaged 2022 catalogue."""

import pytest

from catalog.codes import ancestors, is_valid_code, is_within, level_of, normalise_code, parent_of
from catalog.directory import CatalogueRow, packaged_catalogue_text, read_catalogue


@pytest.mark.parametrize(
    "code",
    ["A02", "A0201", "A020101", "A02010105", "A02000000", "A02010000", "A02010100", "B99000000", "C2301"],
)
def test_valid_codes(code: str) -> None:
    assert is_valid_code(code)


@pytest.mark.parametrize(
    "code",
    ["", "A", "D02", "a02", "A2", "A020", "A0201010501", " A02", "A00", "A00000000", "A02000100", "A0200"],
)
def test_invalid_codes(code: str) -> None:
    assert not is_valid_code(code)
    with pytest.raises(ValueError):
        parent_of(code)


def test_parents_of_padded_2022_codes() -> None:
    assert parent_of("A02010105") == "A02010100"
    assert parent_of("A02010100") == "A02010000"
    assert parent_of("A02010000") == "A02000000"
    assert parent_of("A02000000") is None


def test_parents_of_short_2013_codes() -> None:
    assert parent_of("A02010104") == "A02010100"  # 9 characters: always read as padded
    assert parent_of("A020101") == "A0201"
    assert parent_of("A0201") == "A02"
    assert parent_of("A02") is None


def test_ancestors_nearest_first() -> None:
    assert ancestors("A02010105") == ["A02010100", "A02010000", "A02000000"]
    assert ancestors("A020101") == ["A0201", "A02"]
    assert ancestors("A02000000") == []


def test_normalise_and_level() -> None:
    assert normalise_code("A02010000") == "A0201"
    assert normalise_code("A02000000") == "A02"
    assert normalise_code("A020101") == "A020101"
    assert [level_of(c) for c in ("A02000000", "A0201", "A02010100", "A02010105")] == [1, 2, 3, 4]


def test_is_within_sub_categories() -> None:
    # A supplier admitted for 计算机 may bid on 台式计算机.
    assert is_within("A02010105", "A02010100")
    assert is_within("A02010105", "A02000000")
    assert is_within("A02010100", "A02010100")
    assert not is_within("A02010100", "A02010105")
    assert not is_within("A02010205", "A02010100")
    assert not is_within("B02010100", "A02010100")
    # Same digits at a different level are not an ancestor: A0210 is not within A0201.
    assert not is_within("A02100000", "A02010000")


def test_is_within_2013_and_mixed_spellings() -> None:
    assert is_within("A020101", "A0201")
    assert is_within("A0201", "A0201")
    assert not is_within("A0201", "A020101")
    assert not is_within("A020201", "A0201")
    assert is_within("A02010105", "A0201")
    assert is_within("A020101", "A02010000")
    assert not is_within("A0202", "A02010000")


def test_is_within_rejects_invalid_codes() -> None:
    with pytest.raises(ValueError):
        is_within("A02010105", "A")


def test_packaged_catalogue_rows() -> None:
    rows = read_catalogue(packaged_catalogue_text())
    assert len(rows) == 4301
    by_code = {row.code: row for row in rows}
    assert len(by_code) == 4301
    assert by_code["A02010105"] == CatalogueRow("A02010105", "台式计算机", "", "A02010100")
    assert [by_code[c].name for c in ancestors("A02010105")] == ["计算机", "信息化设备", "设备"]
    assert all(len(row.code) == 9 for row in rows)


def test_packaged_catalogue_is_a_closed_tree() -> None:
    rows = read_catalogue(packaged_catalogue_text())
    codes = {row.code for row in rows}
    top = [row.code for row in rows if row.parent is None]
    # Every non-top row's parent is itself a row of the file: no orphans in the 2022 data.
    assert all(row.parent in codes for row in rows if row.parent is not None)
    assert len(top) == 43
    assert {"A02000000", "B99000000", "C01000000"} <= set(top)
    assert all(level_of(code) == 1 for code in top)


def test_packaged_notes_lose_line_wrap_spaces() -> None:
    by_code = {row.code: row for row in read_catalogue(packaged_catalogue_text())}
    # The source has "设备用房、 附属用房" where the PDF wrapped the line.
    assert by_code["A01010100"].note == "包括办公室、服务用房、设备用房、附属用房等办公用房。"
    # Spaces next to Latin text are kept.
    assert "U 盾" in next(row.note for row in by_code.values() if "加密狗" in row.note)


def test_read_catalogue_handles_line_break_inside_quoted_field() -> None:
    text = (
        "code,name,note\r\n"
        "A02000000,设备,\r\n"
        'A02010000,"信息化\r\n设备","包括计算机、\n 网络设备"\r\n'
        "A02010100,计算机,\r\n"
    )
    rows = read_catalogue(text)
    assert [r.code for r in rows] == ["A02000000", "A02010000", "A02010100"]
    assert rows[1] == CatalogueRow("A02010000", "信息化设备", "包括计算机、网络设备", "A02000000")
    assert rows[2].parent == "A02010000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\nA02000000,设备\n", "line 1"),
        ("code,name,note\nA02000000,设备,\nA0200X000,坏,\n", "line 3"),
        ("code,name,note\nA02000000,设备,\nA02000000,设备,\n", "line 3: duplicate"),
        ('code,name,note\nA02000000,"设\n备",\nA02010000,信息化设备\n', "line 4"),
        ("code,name,note\nA02000000,,\n", "line 2: empty name"),
    ],
)
def test_read_catalogue_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_catalogue(text)
