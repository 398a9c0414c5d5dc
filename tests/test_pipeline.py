"""The month's run as a library: parallel validation under every start method, and a run that
leaves its host program's garbage-collector settings alone."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from intraxl.pipeline import PARALLEL_FROM, run, validate_chunks
from intraxl.store import Store
from intraxl.validate import validate_file

from .conftest import EXAMPLES
from .test_validate import FEB


def _many_submissions(tmp_path: Path) -> list[Path]:
    """Enough copies of the seven example files to take the parallel path."""
    examples = sorted(EXAMPLES.glob("*.xlsx"))
    files = []
    for i in range(PARALLEL_FROM // len(examples) + 1):
        for f in examples:
            files.append(Path(shutil.copy(f, tmp_path / f"{i:02d}_{f.name}")))
    assert len(files) >= PARALLEL_FROM
    return files


def _summary(reports):
    return [(Path(r.file).name, r.unit_id, r.valid, [i.code for i in r.issues])
            for r in reports]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_parallel_validation_works_under_every_start_method(method, mappings, tmp_path):
    files = _many_submissions(tmp_path)
    reports = [r for chunk in validate_chunks(files, mappings, FEB, start_method=method)
               for r in chunk]
    # The same verdicts, in the files' order, as validating one by one in this process.
    assert _summary(reports) == _summary(validate_file(f, mappings, FEB) for f in files)
    assert all(r.valid for r in reports)
    assert len({r.unit_id for r in reports}) == 7


def test_a_run_leaves_the_callers_collector_settings_alone(mappings, tmp_path):
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    thresholds = (1234, 11, 12)
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    gc.freeze()  # the host program's own choice
    frozen = gc.get_freeze_count()
    try:
        result = run(inbox, FEB, mappings, Store(f"sqlite:///{tmp_path / 'x.db'}"),
                     tmp_path / "master.xlsx")
        assert gc.get_threshold() == thresholds
        # Nothing the caller froze was thawed (unfreezing empties the permanent generation;
        # frozen objects can still be freed, so the count may shrink a little).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert result.master.exists() and len(result.reports) == 7
