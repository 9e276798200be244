"""Centre panel: prompt, sampling controls, streaming output, completion while typing,
and the next-token view at the caret."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.background import Background
from app.generation_runner import GenerationRunner
from app.model_store import LoadedModel
from app.panels.completion_editor import CompletionEditor
from app.panels.next_token_view import NextTokenView
from app.plot_style import mono_font
from lstm_core.sampling import SamplingSettings, generate, next_token_candidates

CONTEXT_CHARS = 2000  # the recurrent state carries further, but the prompt need not be longer
SUGGEST_TOKENS = 24
CANDIDATES_DELAY_MS = 150


class GenerationPanel(QWidget):
    generated = Signal(str)  # the text one Generate or Continue produced, when it ends
    busy_changed = Signal(bool)  # True while a generation streams

    def __init__(self, tasks: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.loaded: LoadedModel | None = None
        self.runner = GenerationRunner(self)
        self.runner.tokens.connect(self._on_tokens)
        self.runner.finished.connect(self.generated)
        self.runner.failed.connect(self._on_failed)
        self.runner.running_changed.connect(self._on_running)
        self._candidate_request = 0

        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Prompt (may be empty). Ctrl+Enter generates.")
        self.prompt.setFont(mono_font(11))
        self.prompt.setFixedHeight(self.prompt.fontMetrics().lineSpacing() * 3 + 14)

        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 3.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.8)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 100000)
        self.top_k.setSpecialValueText("off")
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setValue(1.0)
        self.length = QSpinBox()
        self.length.setRange(1, 20000)
        self.length.setValue(400)
        self.length.setSuffix(" tokens")
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setValue(42)
        self.seed.setSpecialValueText("random")
        self.seed.setToolTip("The same seed gives the same text; 'random' picks a new one each time")

        grid = QGridLayout()
        for col, (label, widget) in enumerate(
            [
                ("Temperature", self.temperature),
                ("Top-k", self.top_k),
                ("Top-p", self.top_p),
                ("Length", self.length),
                ("Seed", self.seed),
            ]
        ):
            grid.addWidget(QLabel(label), 0, col)
            grid.addWidget(widget, 1, col)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Generate from the prompt (Ctrl+Enter)")
        self.generate_button.setDefault(True)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Continue from the end of the text (Ctrl+Shift+Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop generating (Esc)")
        self.generate_button.clicked.connect(self.generate)
        self.continue_button.clicked.connect(self.continue_text)
        self.stop_button.clicked.connect(self.stop)
        self.suggest = QCheckBox("Suggest as I type (Tab accepts)")
        self.suggest.setChecked(True)
        self.suggest.toggled.connect(self._suggest_toggled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.suggest)

        self.editor = CompletionEditor()
        self.editor.setFont(mono_font(12))
        self.editor.setPlaceholderText("Generated text streams in here. Type to get suggestions.")
        self.editor.typing_paused.connect(self._suggest)
        self.editor.cursorPositionChanged.connect(self._schedule_candidates)
        self.candidates = NextTokenView()
        self._candidates_timer = QTimer(self)
        self._candidates_timer.setSingleShot(True)
        self._candidates_timer.setInterval(CANDIDATES_DELAY_MS)
        self._candidates_timer.timeout.connect(self._request_candidates)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Next token at the caret"))
        side_layout.addWidget(self.candidates)
        side_layout.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.editor)
        split.addWidget(side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        self.status = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Prompt"))
        layout.addWidget(self.prompt)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.set_model(None)

    # ---- model -------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None) -> None:
        self.loaded = loaded
        self._on_running(self.runner.running)
        if loaded is None:
            self.status.setText("No model loaded: open one (File ▸ Open Model…) or train one below.")
            self.candidates.set_note("No model loaded.")
        else:
            self.status.setText(f"Model: {loaded.short_label()}")
            self._schedule_candidates()

    def sampling_settings(self) -> SamplingSettings:
        seed = self.seed.value()
        return SamplingSettings(
            max_tokens=self.length.value(),
            temperature=self.temperature.value(),
            top_k=self.top_k.value(),
            top_p=self.top_p.value(),
            seed=None if seed < 0 else seed,
        )

    # ---- generating --------------------------------------------------------------------
    def generate(self) -> None:
        prompt = self.prompt.toPlainText()
        if self._start(prompt):
            self.editor.setPlainText(prompt)
            self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def continue_text(self) -> None:
        text = self.editor.toPlainText()
        if self._start(text[-CONTEXT_CHARS:]):
            self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def _start(self, prompt: str) -> bool:
        if self.loaded is None or self.runner.running:
            return False
        self.editor.clear_suggestion()
        self.runner.start(self.loaded.model, self.loaded.tokenizer, prompt, self.sampling_settings())
        return True

    def stop(self) -> None:
        self.runner.stop()
        self.editor.clear_suggestion()

    def _on_tokens(self, tokens: list[tuple[str, float]]) -> None:
        cursor = QTextCursor(self.editor.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText("".join(text for text, _ in tokens))
        self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def _on_failed(self, message: str) -> None:
        self.status.setText(f"Generation failed: {message}")

    def _on_running(self, running: bool) -> None:
        ready = self.loaded is not None and not running
        self.generate_button.setEnabled(ready)
        self.continue_button.setEnabled(ready)
        self.stop_button.setEnabled(running)
        self.editor.setReadOnly(running)
        self.busy_changed.emit(running)
        if not running:
            self._schedule_candidates()

    # ---- completion and candidates (pool threads, results back on the GUI thread) -----
    def _suggest_toggled(self, on: bool) -> None:
        self.editor.completion_enabled = on
        if not on:
            self.editor.clear_suggestion()

    def _suggest(self, prefix: str, position: int) -> None:
        loaded = self.loaded
        if loaded is None or self.runner.running or not self.suggest.isChecked():
            return
        settings = SamplingSettings(max_tokens=SUGGEST_TOKENS, greedy=True, stop=("\n",))
        context = prefix[-CONTEXT_CHARS:]

        def work(_report: object) -> str:
            return "".join(generate(loaded.model, loaded.tokenizer, context, settings))

        self.tasks.run(
            work,
            name="suggestion",
            on_done=lambda text: self.editor.set_suggestion(text, position),
            on_error=lambda message: self.status.setText(f"Suggestion failed: {message}"),
        )

    def _schedule_candidates(self) -> None:
        if self.loaded is not None and not self.runner.running:
            self._candidates_timer.start()

    def _request_candidates(self) -> None:
        loaded = self.loaded
        if loaded is None or self.runner.running:
            return
        cursor = self.editor.textCursor()
        prefix = self.editor.toPlainText()[: cursor.position()][-CONTEXT_CHARS:]
        self._candidate_request += 1
        request = self._candidate_request

        def done(result: list[tuple[str, float]]) -> None:
            if request == self._candidate_request and self.loaded is loaded:
                self.candidates.set_candidates(result)

        self.tasks.run(
            lambda _report: next_token_candidates(loaded.model, loaded.tokenizer, prefix, k=10),
            name="candidates",
            on_done=done,
            on_error=lambda message: self.candidates.set_note(f"Cannot score: {message}"),
        )
