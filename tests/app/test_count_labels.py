"""Character counts that say what they count: the corpus panel's (the files' own, a Windows
line end read as one) and the model card's (the text the run trained on)."""

from __future__ import annotations

from app.model_card import model_card_html
from tests.app.conftest import load_corpus


def test_a_crlf_file_is_counted_with_its_line_ends_as_one_and_says_so(qtbot, window, tmp_path):
    lines = [f"line {n} of a file written on Windows, long enough to learn from" for n in range(30)]
    path = tmp_path / "windows.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    wc_m = len(path.read_bytes().decode("utf-8"))  # what `wc -m` says: CR and LF are two
    load_corpus(qtbot, window, [str(path)])
    shown = window.corpus.chars_label.text()
    assert shown == f"{wc_m - len(lines):,} (line ends counted as one)"  # each CR LF read as one "\n"
    assert "wc -m" in window.corpus.chars_label.toolTip()  # the difference is explained where it shows
    assert "line ends counted as one" in window.statusBar().currentMessage()


def test_the_model_card_labels_its_count_as_the_trained_text(qtbot, window, tiny):
    """One file here; a run on several says its files were joined by a blank line."""
    load_corpus(qtbot, window, [str(tiny.corpus)])
    loaded = window.models.main
    chars = loaded.meta.corpus.chars
    assert chars is not None
    card = model_card_html(loaded)
    assert f"{chars:,} (as trained: line ends counted as one)" in card
    assert "line ends counted as one" in window.corpus.chars_label.text()


def test_a_run_on_several_files_says_they_were_joined():
    from app.corpus_counts import trained_count

    assert trained_count(6_940, files=3) == (
        "6,940 (as trained: files joined by a blank line, line ends counted as one)"
    )
