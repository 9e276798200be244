"""The examples on docs/api.md run as written: the page is a doctest, in a folder of its own."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_api_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the page writes its runs into runs/
    failed, attempted = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert attempted > 20  # the page has its examples: a page that lost them would pass empty
    assert failed == 0, f"{failed} of {attempted} examples on {PAGE.name} failed (printed above)"
