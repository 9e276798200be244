from __future__ import annotations

from PySide6.QtCore import Qt


def test_ctrl_enter_streams_text_into_the_editor(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("The fox")
    gen.length.setValue(60)
    with qtbot.waitSignal(gen.generated, timeout=20_000) as done:
        qtbot.keyClick(gen.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    text = done.args[0]
    assert len(text) >= 30  # char model: one character per token (a few may be partial UTF-8)
    assert gen.editor.toPlainText() == "The fox" + text
    qtbot.waitUntil(lambda: not gen.runner.running)
    assert gen.generate_button.isEnabled()


def test_same_seed_same_text_and_continue_appends(qtbot, window):
    gen = window.generation
    gen.prompt.setPlainText("A ")
    gen.length.setValue(40)
    with qtbot.waitSignal(gen.generated, timeout=20_000) as first:
        gen.generate()
    qtbot.waitUntil(lambda: not gen.runner.running)
    with qtbot.waitSignal(gen.generated, timeout=20_000) as second:
        gen.generate()
    assert first.args[0] == second.args[0]
    qtbot.waitUntil(lambda: not gen.runner.running)
    before = gen.editor.toPlainText()
    with qtbot.waitSignal(gen.generated, timeout=20_000) as more:
        gen.continue_text()
    assert gen.editor.toPlainText() == before + more.args[0]


def test_stop_ends_a_long_generation(qtbot, window):
    gen = window.generation
    gen.length.setValue(20_000)
    with qtbot.waitSignal(gen.runner.tokens, timeout=20_000):
        gen.generate()
    with qtbot.waitSignal(gen.generated, timeout=20_000) as done:
        qtbot.keyClick(gen.editor, Qt.Key.Key_Escape)
    assert len(done.args[0]) < 20_000


def test_typing_shows_a_suggestion_and_tab_accepts_it(qtbot, window):
    editor = window.generation.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "The quick brown ")
    qtbot.waitUntil(lambda: bool(editor.suggestion), timeout=10_000)
    suggestion = editor.suggestion
    assert editor.toPlainText() == "The quick brown "  # painted, not inserted
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The quick brown " + suggestion


def test_next_token_view_shows_candidates_at_the_caret(qtbot, window):
    gen = window.generation
    gen.editor.setPlainText("The quick brown f")
    gen.editor.moveCursor(gen.editor.textCursor().MoveOperation.End)
    qtbot.waitUntil(lambda: len(gen.candidates.candidates) == 10, timeout=10_000)
    probs = [p for _, p in gen.candidates.candidates]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001


def test_contrast_runs_both_models_with_surprisal(qtbot, window):
    window.generation.prompt.setPlainText("The ")
    window.generation.length.setValue(50)
    contrast = window.contrast
    with qtbot.waitSignal(contrast.compared, timeout=20_000) as done:
        qtbot.mouseClick(contrast.compare_button, Qt.MouseButton.LeftButton)
    lstm_text, rnn_text = done.args
    assert lstm_text and rnn_text
    for key, text in (("main", lstm_text), ("rnn", rnn_text)):
        column = contrast.columns[key]
        assert column.text.toPlainText() == "The " + text
        assert all(s >= 0 for _, s in column.tokens) and column.mean_surprisal() > 0
    assert "nats" in contrast.columns["rnn"].metrics.text()  # validation metrics from the checkpoint


def test_undo_brings_back_what_was_typed_before_generate(qtbot, window):
    gen = window.generation
    typed = "My own opening line,\nwith a second line I wrote myself."
    gen.editor.setFocus()
    first, second = typed.split("\n")
    qtbot.keyClicks(gen.editor, first)
    qtbot.keyClick(gen.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(gen.editor, second)
    gen.prompt.setPlainText("The ")
    gen.length.setValue(40)
    with qtbot.waitSignal(gen.generated, timeout=20_000) as done:
        gen.generate()
    qtbot.waitUntil(lambda: not gen.busy)
    first_output = typed + "\n\nThe " + done.args[0]
    assert gen.editor.toPlainText() == first_output  # after what was typed, never over it
    # Generate again, nothing typed since: the last output is written over, the typed text stays.
    gen.seed.setValue(gen.seed.value() + 1)
    with qtbot.waitSignal(gen.generated, timeout=20_000) as again:
        gen.generate()
    qtbot.waitUntil(lambda: not gen.busy)
    assert gen.editor.toPlainText() == typed + "\n\nThe " + again.args[0]
    gen.editor.undo()  # each generation is one step
    assert gen.editor.toPlainText() == first_output
    gen.editor.undo()
    assert gen.editor.toPlainText() == typed
    gen.editor.redo()
    assert gen.editor.toPlainText() == first_output


def test_a_kept_alternative_goes_after_typed_text_and_over_only_the_programs_own(qtbot, window):
    gen = window.generation
    gen.editor.setFocus()
    qtbot.keyClicks(gen.editor, "Notes of mine")
    assert gen.put_back("first kept")
    assert gen.editor.toPlainText() == "Notes of mine\n\nfirst kept"
    assert gen.put_back("second kept")  # nothing typed since: the first is written over
    assert gen.editor.toPlainText() == "Notes of mine\n\nsecond kept"
    qtbot.keyClicks(gen.editor, " and more")  # typed into the program's text: it is the person's now
    assert gen.put_back("third kept")
    assert gen.editor.toPlainText() == "Notes of mine\n\nsecond kept and more\n\nthird kept"


def test_undo_takes_back_a_continuation_and_a_kept_alternative_alone(qtbot, window):
    gen = window.generation
    gen.editor.setFocus()
    qtbot.keyClicks(gen.editor, "Once upon a time")
    gen.length.setValue(30)
    with qtbot.waitSignal(gen.generated, timeout=20_000):
        gen.continue_text()
    qtbot.waitUntil(lambda: not gen.busy)
    gen.editor.undo()
    assert gen.editor.toPlainText() == "Once upon a time"
    assert gen.put_back("a kept alternative")
    gen.editor.undo()
    assert gen.editor.toPlainText() == "Once upon a time"
