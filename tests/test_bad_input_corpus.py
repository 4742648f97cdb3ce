"""The bad-input corpus (tests/bad_inputs.py) through the CLI: for every malformed file and
odd option, no traceback, exit code 2, one line ``error: ...`` from a short list of messages,
naming the file the user gave. The default run takes a fixed sample; ``-m slow`` runs all."""

from __future__ import annotations

from pathlib import Path

import pytest

from posture import cli
from tests.support.bad_inputs import (
    FILE_CASES,
    MESSAGES,
    OPTION_CASES,
    Case,
    argv_of,
    expected_pattern,
)
from tests.support.paths import ROOT

ALL = FILE_CASES + OPTION_CASES
#: Default tier: every fourth case that does not reach the pose model.
SAMPLE = [c for c in ALL if not c.slow][::4]


def test_corpus_is_large_enough() -> None:
    assert len(FILE_CASES) >= 60 and len(OPTION_CASES) >= 30
    assert all(k in MESSAGES for c in ALL for k in c.expect)
    assert len({c.name for c in ALL}) == len(ALL)


def test_corpus_table_in_docs_lists_every_case() -> None:
    """docs/privacy.md carries the table (regenerate with ``python tests/bad_inputs.py``)."""
    doc = (ROOT / "docs" / "privacy.md").read_text()
    rows = {line.split(" | ")[0].lstrip("| ").strip() for line in doc.splitlines()
            if line.startswith("| ") and " | 2 | error: " in line}
    assert {c.name.replace("|", "\\|").strip() for c in ALL} <= rows


pytestmark = pytest.mark.usefixtures("private_cache")  # never the user's pose cache


def _check(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = case.make(folder) if case.make else None
    code = cli.main(argv_of(case, path, folder))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert code == 2, (case.name, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (case.name, err)
    assert expected_pattern(case).search(lines[0]), (case.name, lines[0])
    if case in FILE_CASES and path is not None:
        assert path.name in lines[0], (case.name, lines[0])  # the user's own file name


@pytest.mark.parametrize("case", SAMPLE, ids=[c.name for c in SAMPLE])
def test_bad_input_sample(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _check(case, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_bad_input_all(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _check(case, tmp_path, capsys)
