"""Swedish formatting of every figure written for a person (intraxl.swedish)."""

import datetime as dt

import pytest

from intraxl import swedish
from intraxl.periods import Period

NB = "\xa0"


@pytest.mark.parametrize("value, decimals, text", [
    (15981, 0, f"15{NB}981"), (-3000, 0, f"\u22123{NB}000"), (571.5, 1, "571,5"),
    (1446534, 0, f"1{NB}446{NB}534"), (2.5, 0, "3"), (-0.2, 0, "0"), (0, 1, "0,0"),
])
def test_number(value, decimals, text):
    assert swedish.number(value, decimals) == text


def test_percent_amounts_and_months():
    assert swedish.percent(0.059) == f"5,9{NB}%"
    assert swedish.percent_points(590) == f"590,0{NB}%"
    assert swedish.tkr(23419) == f"23{NB}419{NB}tkr"
    assert swedish.mkr(15981) == f"15,9{NB}mkr"  # cut as the reference report does
    assert swedish.mkr(-1513) == f"\u22121,5{NB}mkr"
    assert swedish.month_year(Period(2023, 2)) == "februari 2023"
    assert swedish.date(dt.date(2023, 2, 28)) == "2023-02-28"


@pytest.mark.parametrize("value, text", [
    (12.5, "12,5"), (-5, "\u22125"), (24075.0, f"24{NB}075"), (1234.5678, f"1{NB}234,568"),
    (0.1 + 0.2, "0,3"), (-0.0001, "0"), (1e25, NB.join(["10"] + ["000"] * 8)),
])
def test_figure_keeps_the_decimals_it_has(value, text):
    assert swedish.figure(value) == text


def test_stored_times_are_shown_on_the_swedish_clock():
    """Times are stored in UTC; a person reads them in Swedish winter (+1) or summer (+2)
    time, whatever the machine's zone."""
    import datetime as dt

    from intraxl.swedish import local_time

    assert local_time(dt.datetime(2023, 3, 6, 7, 0, 5)) == dt.datetime(2023, 3, 6, 8, 0, 5)
    assert local_time(dt.datetime(2023, 7, 1, 7, 0)) == dt.datetime(2023, 7, 1, 9, 0)
