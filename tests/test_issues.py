"""Issues as data: every code's Swedish message template, filled the Swedish way."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from intraxl import issues
from intraxl.issues import CODES, FORMATS, TYPES, Severity, make, message
from intraxl.periods import Period

NB = "\xa0"


def test_every_code_has_one_main_entry_and_every_template_formats():
    keys = [(t.code, t.variant) for t in TYPES]
    assert len(keys) == len(set(keys))
    assert all(t.code in CODES and t.meaning for t in TYPES if not t.variant)
    assert all(not t.meaning for t in TYPES if t.variant)
    for t in TYPES:
        for _, name, spec, _ in string.Formatter().parse(t.template):
            assert name is None or name.isidentifier(), (t.code, name)
            assert not spec or spec in FORMATS, (t.code, spec)


def test_figures_in_messages_are_swedish():
    over = make("percent-over-100", sheet="Indikatorer", cell="F9", column="Utfall", share=5.9)
    assert over.message == f"Andelen 590,0{NB}% är över 100 %. Skriv t.ex. 5,9 % (inte 590 %)."
    assert (over.code, over.severity, over.location, over.column) == (
        "percent-over-100", Severity.ERROR, "Indikatorer!F9", "Utfall")
    assert message("negative-cost", value=-1811.5) == \
        f"Kostnaden \u22121{NB}812{NB}tkr är negativ. Stämmer det?"
    assert message("forecast-far-from-budget", forecast=23419, budget=159478).startswith(
        f"Prognosen 23{NB}419{NB}tkr avviker mer än 50 % från årsbudgeten 159{NB}478{NB}tkr.")
    assert message("not-whole-number", value=12.5).startswith("Värdet 12,5 ska vara")
    assert message("number-as-text", text="1 234,5", value=1234.5).startswith(
        f"'1 234,5' är sparat som text men har lästs som talet 1{NB}234,5.")
    assert message("overdue", end=dt.date(2023, 1, 31), status="Pågående").startswith(
        "Slutdatum 2023-01-31 har passerat men status är Pågående.")
    assert message("wrong-period", period=Period(2023, 1), expected=Period(2023, 2)) == \
        "Filen gäller januari 2023 men perioden som samlas in är februari 2023."
    assert message("file-too-large", mb=22.04, limit_mb=20.97).startswith(
        "Filen är för stor (22,0 MB; högst 21 MB).")
    assert message("invalid-value", column="Sannolikhet", value=2.5, options=(1, 2, 3, 4)) == \
        "'2,5' är inte ett tillåtet värde i 'Sannolikhet'. Välj ett av: 1, 2, 3, 4."
    assert message("not-a-number", column="Utfall", value=dt.datetime(2023, 2, 1)).startswith(
        "'2023-02-01' är inte ett tal.")


def test_a_reporters_text_is_said_back_cut():
    said = message("not-a-date", value="x" * 500)
    assert said == f"'{'x' * issues.TEXT_SHOWN}' är inte ett datum. Skriv t.ex. 2023-12-31."


def test_a_variant_has_its_own_words_and_severity():
    required = make("missing-value", column="Utfall")
    reporter = make("missing-value", "reporter")
    assert required.severity == Severity.ERROR and reporter.severity == Severity.WARNING
    assert required.message == "Värdet i kolumnen 'Utfall' saknas: fyll i cellen."
    assert reporter.message == "Uppgiftslämnare saknas: skriv ditt namn."
    with pytest.raises(KeyError):
        make("no-such-code")
    with pytest.raises(KeyError):  # a field the template names must be given
        message("negative-cost")
