"""A Rust panic inside python-calamine becomes a corrupt-file issue; an interrupt does not."""
from pathlib import Path

import pytest

import intraxl.reader as reader

PanicException = type("PanicException", (BaseException,), {"__module__": "pyo3_runtime"})


def _raising(exc: BaseException):
    def read_tables(*_args, **_kwargs):
        raise exc
    return read_tables


def _workbook(tmp_path: Path) -> Path:
    import xlsxwriter
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Blad1").write("A1", 1)
    book.close()
    return path


def test_calamine_panic_is_a_corrupt_file_issue(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "_read_tables", _raising(PanicException("index out of range")))
    raw, issues = reader.read_workbook(_workbook(tmp_path))
    assert raw is not None and raw.tables == {}
    assert [i.code for i in issues] == ["corrupt-file"]
    assert "PanicException: index out of range" in issues[0].message


def test_keyboard_interrupt_is_not_swallowed(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "_read_tables", _raising(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        reader.read_workbook(_workbook(tmp_path))


def test_only_pyo3_panics_count_as_panics():
    assert reader.is_calamine_panic(PanicException())
    assert not reader.is_calamine_panic(SystemExit())
