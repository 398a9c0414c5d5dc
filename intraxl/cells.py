"""A1 cell references, converted in one place (wrapping XlsxWriter's tested helpers)."""

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) -> 'B3'."""
    return xl_rowcol_to_cell(row, col)


def rowcol(ref: str) -> tuple[int, int]:
    """'B3' -> zero-based (2, 1)."""
    return xl_cell_to_rowcol(ref)


def col_name(col: int) -> str:
    """Zero-based column -> 'B'."""
    return xl_col_to_name(col)


def area(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """Zero-based corners -> 'A4:H20'."""
    return f"{a1(first_row, first_col)}:{a1(last_row, last_col)}"
