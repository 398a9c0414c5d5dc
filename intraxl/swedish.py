"""Every number, percentage, amount, month and date written for a person, in Swedish.

One module, through babel's sv_SE locale, whichever stage writes the text (issue messages,
the board report, drafted analysis, terminal output meant for finance): `15 981`, `−3 000`,
`5,9 %`, `15,9 mkr`, `februari 2023`, never `15,981` or `5.9%`. Babel's separators are kept as
CLDR gives them (a no-break space between thousands), so a figure never wraps in the middle.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal, get_minus_sign_symbol

from .periods import MONTHS_SV, Period

LOCALE = "sv_SE"
ZONE = ZoneInfo("Europe/Stockholm")  # the administration's clock
MINUS = get_minus_sign_symbol(LOCALE)  # "−": babel's patterns write a hyphen-minus

# Excel number formats that show figures the Swedish way whatever the machine's locale: the
# prefix [$-41D] (Swedish, LCID 0x041D) tells LibreOffice, and so the PDF, to use Swedish
# separators (15 981, 571,5, 5,9 %); without it `#,##0` shows 15,981 on an English machine.
# Format codes themselves are always written in Excel's en-US syntax. A negative figure shows
# the minus sign of the texts (U+2212, quoted: a literal), not the hyphen-minus: −3 373.
EXCEL_SWEDISH = "[$-41D]"


def _signed(code: str) -> str:
    """`code` for positive figures and zero, and for negative ones with the minus sign."""
    return f'{EXCEL_SWEDISH}{code};{EXCEL_SWEDISH}"{MINUS}"{code}'


EXCEL_FORMATS = {
    "amount": _signed("#,##0"),  # 15 981, −3 373
    "decimal": _signed("#,##0.0"),  # 571,5
    "percent": _signed("0.0 %"),  # 5,9 %
    "integer": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _digits(d: Decimal, decimals: int) -> Context:
    """A context with room for every digit of `d` (the default keeps 28, too few for 1e25)."""
    return Context(prec=max(28, d.adjusted() + decimals + 2))


def _rounded(value: float | int | Decimal, decimals: int) -> Decimal:
    """Half away from zero, as a person rounds (babel's default is banker's rounding)."""
    d = Decimal(str(value))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                      context=_digits(d, decimals))


def _format(d: Decimal, pattern: str, decimals: int) -> str:
    with localcontext(_digits(d, decimals)):
        text = format_decimal(abs(d), format=pattern, locale=LOCALE, decimal_quantization=True)
    return f"{MINUS}{text}" if d < 0 else text  # never "-0"


def number(value: float | int | Decimal, decimals: int = 0) -> str:
    """`15 981`, `−3 000` (the locale's minus sign, U+2212), `571,5` (decimals=1)."""
    return _format(_rounded(value, decimals), _pattern(decimals), decimals)


def figure(value: float | int | Decimal, max_decimals: int = 3) -> str:
    """A figure with the decimals it has, up to `max_decimals`: `12,5`, `−5`, `24 075`
    (a value a reporter typed, said back to them)."""
    return _format(_rounded(value, max_decimals), "#,##0." + "#" * max_decimals, max_decimals)


def percent(share: float | int | Decimal, decimals: int = 1) -> str:
    """A share as a percentage: 0.059 -> `5,9 %`."""
    return f"{number(Decimal(str(share)) * 100, decimals)}\xa0%"


def percent_points(value: float | int | Decimal, decimals: int = 1) -> str:
    """A value already in percent: 5.9 -> `5,9 %`."""
    return f"{number(value, decimals)}\xa0%"


def tkr(value: float | int | Decimal) -> str:
    """An amount in thousands of kronor: `23 419 tkr`."""
    return f"{number(value)}\xa0tkr"


def mkr(value_tkr: float | int | Decimal, decimals: int = 1) -> str:
    """An amount given in tkr, said in millions and cut (not rounded) to `decimals`, as the
    reference report does: 15 981 tkr -> `15,9 mkr`, -1 513 -> `-1,5 mkr`."""
    step = Decimal(1).scaleb(-decimals)
    cut = (Decimal(str(value_tkr)) / 1000).quantize(step, rounding=ROUND_DOWN)
    return f"{number(cut, decimals)}\xa0mkr"


COUNT_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio",
               "elva", "tolv")


def count(n: int, neuter: bool = False) -> str:
    """A count in running text as Swedish writes it: in words up to twelve (`sju enheter`,
    `ett projekt` with `neuter`), in figures above (`13`, `1 000`)."""
    if 0 <= n < len(COUNT_WORDS):
        return "ett" if n == 1 and neuter else COUNT_WORDS[n]
    return number(n)


def month(period: Period) -> str:
    """`februari`."""
    return MONTHS_SV[period.month - 1]


def month_year(period: Period) -> str:
    """`februari 2023`."""
    return f"{month(period)} {period.year}"


def date(value: dt.date) -> str:
    """A date as Swedes write it: `2023-02-28`."""
    return format_date(value, format="yyyy-MM-dd", locale=LOCALE)


def local_time(utc: dt.datetime) -> dt.datetime:
    """A time intraxl stores (UTC, without a zone) on the administration's clock, as a person
    reads it (Swedish summer and winter time), without a zone, as spreadsheets hold times."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).replace(tzinfo=None)


__all__ = ["EXCEL_FORMATS", "LOCALE", "count", "date", "figure", "local_time", "mkr", "month",
           "month_year", "number", "percent", "percent_points", "tkr"]
