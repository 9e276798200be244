"""The generation panel's tools: five alternatives, min-p and beam search, the copy check,
clicking a next-token candidate, whole-word suggestions and the history."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from app.panels.completion_editor import through_next_word
from app.panels.copy_marks import SKIPPED, utf16_position
from lstm_core.beam import MAX_BEAM, BeamSettings, beam_search

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def test_ctrl_alt_enter_gives_five_alternatives_and_a_click_keeps_one(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("The ")
    gen.length.setValue(30)
    gen.seed.setValue(7)
    qtbot.keyClick(gen.prompt, Qt.Key.Key_Return, CTRL_ALT)
    qtbot.waitUntil(lambda: gen.alternatives.count() == 5 and not gen.busy, timeout=20_000)
    samples = gen.alternatives.samples
    assert [s.seed for s in samples] == [7, 8, 9, 10, 11]
    assert len({s.text for s in samples}) > 1 and all(s.text for s in samples)
    assert [e.seed for e in gen.history.entries[-5:]] == [7, 8, 9, 10, 11]

    item = gen.alternatives.item(2)
    rect = gen.alternatives.visualItemRect(item)
    qtbot.mouseClick(gen.alternatives.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    kept = "The " + samples[2].text
    assert gen.editor.toPlainText() == kept
    with qtbot.waitSignal(gen.generated, timeout=20_000) as more:
        gen.continue_text()
    assert gen.editor.toPlainText() == kept + more.args[0]


def test_decoding_widgets_stay_in_legal_ranges_and_reach_the_settings(window):
    decoding = window.generation.decoding
    decoding.min_p.setValue(1.5)
    assert 0 < decoding.min_p.value() < 1
    decoding.min_p.setValue(0.05)
    assert window.generation.sampling_settings().min_p == 0.05
    decoding.beam_width.setValue(10_000)
    assert decoding.beam_width.value() == MAX_BEAM
    decoding.length_penalty.setValue(-3)
    assert decoding.length_penalty.value() == 0
    decoding.beam_width.setValue(1)
    assert decoding.beam_settings(50) is None and not decoding.length_penalty.isEnabled()
    decoding.beam_width.setValue(0)
    assert decoding.beam_settings(50) is None


def test_beam_search_writes_the_best_hypothesis(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("The ")
    gen.length.setValue(20)
    gen.decoding.beam_width.setValue(3)
    gen.decoding.length_penalty.setValue(0.5)
    assert gen.decoding.length_penalty.isEnabled()
    with qtbot.waitSignal(gen.generated, timeout=20_000) as done:
        gen.generate()
    loaded = gen.loaded
    expected = beam_search(
        loaded.model, loaded.tokenizer, "The ", BeamSettings(width=3, max_tokens=20, length_penalty=0.5)
    )[0].text
    assert done.args[0] == expected
    assert gen.editor.toPlainText() == "The " + expected
    last = gen.history.entries[-1]
    assert "beam width 3" in last.settings and last.seed is None


def test_copied_text_is_underlined_with_its_source(qtbot, window, tiny):
    gen = window.generation
    corpus = tiny.corpus.read_text(encoding="utf-8")
    copied = corpus[200:400]
    prefix = "ÿ🙂 "  # a character outside the BMP: Qt counts it twice
    gen.editor.setPlainText(prefix + copied)
    gen.copy_marks.check(gen.loaded, copied, len(prefix))
    qtbot.waitUntil(lambda: gen.copy_marks.report is not None, timeout=30_000)
    assert gen.copy_line.text().startswith("Longest copied span: ")
    assert "corpus.txt, line" in gen.copy_line.text()
    assert gen.copy_marks.report.longest.length >= 150
    assert gen.editor.extraSelections()
    start = utf16_position(gen.editor.toPlainText(), len(prefix))
    assert gen.copy_marks.source_at(start + 20).startswith("Copied from corpus.txt, line ")
    assert gen.copy_marks.source_at(0) == ""

    cursor = gen.editor.textCursor()
    cursor.setPosition(start + 20)
    point = gen.editor.cursorRect(cursor).center()
    viewport = gen.editor.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    assert QToolTip.text().startswith("Copied from corpus.txt, line ")


def test_each_generation_is_checked_and_a_missing_corpus_is_said(qtbot, window, tmp_path):
    gen = window.generation
    gen.length.setValue(40)
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.generate()
    qtbot.waitUntil(lambda: gen.copy_line.text().startswith("Longest copied span"), timeout=30_000)

    loaded = gen.loaded
    corpus = dataclasses.replace(loaded.meta.corpus, files=(str(tmp_path / "gone.txt"),))
    gen.set_model(dataclasses.replace(loaded, meta=dataclasses.replace(loaded.meta, corpus=corpus)))
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.generate()
    assert gen.copy_line.text() == SKIPPED and not gen.editor.extraSelections()


def test_clicking_a_candidate_types_it_at_the_caret(qtbot, window):
    gen = window.generation
    gen.editor.setPlainText("The quick brown f")
    cursor = gen.editor.textCursor()
    cursor.setPosition(4)
    gen.editor.setTextCursor(cursor)
    qtbot.waitUntil(lambda: len(gen.candidates.candidates) == 10, timeout=10_000)
    token = gen.candidates.candidates[1][0]
    qtbot.mouseClick(gen.candidates, Qt.MouseButton.LeftButton, pos=QPoint(20, gen.candidates.row_centre(1)))
    assert gen.editor.toPlainText() == "The " + token + "quick brown f"
    assert gen.editor.textCursor().position() == 4 + len(token)


def test_suggestions_stop_at_the_end_of_the_next_word():
    assert through_next_word("wn fox jumps") == "wn"
    assert through_next_word(" fox jumps\nover") == " fox"
    assert through_next_word(", said he") == ", said"
    assert through_next_word("   ") == "   "
    assert through_next_word("\nnext line") == ""


def test_history_keeps_each_output_with_its_seed_and_puts_one_back(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("A ")
    gen.length.setValue(30)
    outputs = []
    for seed in (-1, 3):
        gen.seed.setValue(seed)
        with qtbot.waitSignal(gen.generated, timeout=20_000):
            gen.generate()
        qtbot.waitUntil(lambda: not gen.busy)
        outputs.append(gen.editor.toPlainText())
    qtbot.keyClick(gen.editor, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert gen.history.isVisible() and gen.history.list.count() == 2
    first = gen.history.entry_at(1)
    assert first.text == outputs[0] and isinstance(first.seed, int) and "temperature" in first.settings

    gen.seed.setValue(first.seed)  # the random seed the history names writes the same text again
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.generate()
    qtbot.waitUntil(lambda: not gen.busy)
    assert gen.editor.toPlainText() == outputs[0]

    gen.history.list.setCurrentRow(1)  # the second output, now one below the newest
    qtbot.mouseClick(gen.history.put_back_button, Qt.MouseButton.LeftButton)
    assert gen.editor.toPlainText() == outputs[1]
