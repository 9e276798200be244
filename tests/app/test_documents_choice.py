"""The corpus panel's documents choice reaches the run the training panel builds."""

from __future__ import annotations

from app import window_guards
from tests.app.conftest import load_corpus


def test_documents_choice_goes_into_the_run_spec(qtbot, window, tiny, dialogs):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    corpus = window.corpus
    assert window.dashboard.build_spec().documents == "stream"
    assert not corpus.separator.isEnabled()

    corpus.documents_kind.setCurrentIndex(corpus.documents_kind.findText("one per line"))
    assert window.dashboard.build_spec().documents == "lines"
    corpus.documents_kind.setCurrentIndex(corpus.documents_kind.findText("one per file"))
    assert window.dashboard.build_spec().documents == "files"

    corpus.documents_kind.setCurrentIndex(corpus.documents_kind.findText("separator…"))
    assert corpus.separator.isEnabled()
    assert not window_guards.confirm_start(window)  # no separator yet: a dialog, no run
    assert dialogs and dialogs[-1][0] == "Cannot train" and "separator" in dialogs[-1][1]
    corpus.separator.setText("\\n\\n")
    spec = window.dashboard.build_spec()
    assert spec.documents == "separator:\\n\\n" and corpus.documents_problem() == ""


def test_starting_with_an_empty_separator_shows_a_dialog_and_starts_nothing(qtbot, window, tiny, dialogs):
    load_corpus(qtbot, window, [str(tiny.corpus)])
    corpus = window.corpus
    corpus.documents_kind.setCurrentIndex(corpus.documents_kind.findText("separator…"))
    window.dashboard.start()
    assert not window.training.running
    assert [title for title, _ in dialogs] == ["Cannot train"]
