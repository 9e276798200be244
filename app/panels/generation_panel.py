"""Centre panel: prompt, decoding controls, streaming output, completion while typing,
the next-token view at the caret, alternatives, the copy check and the history.

Sampling streams through the generation runner; beam search and the five
alternatives (one batch through ``generate_samples``) run as background jobs and
arrive whole. Every finished output is checked for copied spans and kept in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.background import Background
from app.generation_runner import GenerationRunner
from app.model_store import LoadedModel
from app.panels.alternatives_view import AlternativesPane, AlternativesView
from app.panels.caret_assist import CONTEXT_CHARS, CaretAssist
from app.panels.completion_editor import CompletionEditor
from app.panels.copy_marks import CopyMarks
from app.panels.decoding_controls import DecodingControls
from app.panels.flow_layout import FlowLayout, labelled
from app.panels.generation_history import GenerationHistory, describe_beam, describe_sampling, entry
from app.panels.generation_layout import SPACING, PromptBox, QuietLabel, lay_out, side_column
from app.panels.next_token_view import NextTokenView
from app.plot_style import mono_font
from lstm_core.batch_sampling import Sample, generate_samples
from lstm_core.beam import Hypothesis, beam_search
from lstm_core.sampling import SamplingSettings, base_seed

ALTERNATIVES = 5  # enough to choose from, few enough to read side by side


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
        self._alternatives_prompt = ""  # the prompt the alternatives on show continue
        self._job_running = False  # beam search or alternatives: one job, no streaming
        self._pending: tuple[str, str, int | None] = ("generate", "", None)  # kind, settings, seed

        self.prompt = PromptBox()
        self.prompt.setPlaceholderText("Prompt (may be empty). Ctrl+Enter generates.")
        self.prompt.setAccessibleName("Prompt")  # no label above it: the placeholder says what it is
        self.prompt.setFont(mono_font(11))

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

        self.decoding = DecodingControls()
        self.decoding.grey_while_beam([self.temperature, self.top_k, self.top_p, self.seed])
        fields = [
            labelled(label, widget)
            for label, widget in [
                ("Temperature", self.temperature),
                ("Top-k", self.top_k),
                ("Top-p", self.top_p),
                *self.decoding.fields()[:1],
                ("Length", self.length),
                ("Seed", self.seed),
                *self.decoding.fields()[1:],
            ]
        ]
        field_width = max(field.sizeHint().width() for field in fields)
        grid = FlowLayout()  # wraps onto a second row when the centre is narrow (1280×720)
        for field in fields:
            field.setMinimumWidth(field_width)  # equal widths: wrapped rows line up as columns
            grid.addWidget(field)
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
        self.alternatives_button = QPushButton(f"Generate {ALTERNATIVES} Alternatives")
        self.alternatives_button.setToolTip(
            f"{ALTERNATIVES} continuations of the prompt at once, seeds counting up from the seed "
            "(Ctrl+Alt+Enter); click one to keep it"
        )
        self.alternatives_button.clicked.connect(self.generate_alternatives)
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Every output since the window opened, with its settings and seed")
        self.history = GenerationHistory(self)
        self.history.chosen.connect(self.put_back)
        self.history_button.clicked.connect(self.show_history)
        self.suggest = QCheckBox("Suggest as I type (Tab accepts)")
        self.suggest.setChecked(True)
        buttons = FlowLayout(spacing=SPACING)
        for button in (self.generate_button, self.continue_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addWidget(self.alternatives_button)
        buttons.addWidget(self.history_button)
        self.editor = CompletionEditor()
        self.editor.setFont(mono_font(12))
        self.editor.setPlaceholderText("Generated text streams in here. Type to get suggestions.")
        self.candidates = NextTokenView()
        self.assist = CaretAssist(self, parent=self)
        self.alternatives = AlternativesView()
        self.alternatives.chosen.connect(self.keep_alternative)
        self.alternatives_pane = AlternativesPane(self.alternatives)
        self.side = side_column(self.candidates)
        self.copy_line = QuietLabel()  # the copy check of the last output
        self.copy_marks = CopyMarks(self.editor, self.copy_line, tasks)
        self.runner.finished.connect(self._stream_finished)
        self.status = QLabel("")
        lay_out(
            self,
            [self.prompt, grid, buttons],
            self.editor,
            self.side,
            self.alternatives_pane,
            self.copy_line,
            (self.status, self.suggest),
        )
        self.set_model(None)

    def heightForWidth(self, width: int) -> int:
        # The tab's scroll area sizes the page by this. Qt's default, every part at its preferred
        # height, made the page scroll at 1920×1080 once the copy line held wrapped text.
        layout = self.layout()  # set by lay_out in __init__
        return layout.minimumHeightForWidth(width) if layout is not None else super().heightForWidth(width)

    # ---- model -------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None) -> None:
        self.loaded = loaded
        self.copy_marks.forget_model()
        self.alternatives.set_samples([])
        self._on_running(self.runner.running)
        if loaded is None:
            self.status.setText("No model loaded: open one (File ▸ Open Model…) or train one below.")
            self.candidates.set_note("No model loaded.")
        else:
            self.status.setText(f"Model: {loaded.short_label()}")
            self.assist.schedule_candidates()

    def sampling_settings(self) -> SamplingSettings:
        seed = self.seed.value()
        return SamplingSettings(
            max_tokens=self.length.value(),
            temperature=self.temperature.value(),
            top_k=self.top_k.value(),
            top_p=self.top_p.value(),
            min_p=self.decoding.min_p.value(),
            seed=None if seed < 0 else seed,
        )

    def fixed_seed_settings(self) -> SamplingSettings:
        """The settings with a "random" seed drawn now, not in the engine, so the history can
        name it, within the seed box's range, so it can be typed back in."""
        settings = self.sampling_settings()
        return replace(settings, seed=base_seed(settings) % (self.seed.maximum() + 1))

    # ---- generating --------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.runner.running or self._job_running

    def generate(self) -> None:
        prompt = self.prompt.toPlainText()
        if self._start(prompt, "generate"):
            self.editor.put_in(prompt)  # after what the person typed; undoable either way

    def continue_text(self) -> None:
        text = self.editor.toPlainText()
        if self._start(text[-CONTEXT_CHARS:], "continue"):
            self.editor.begin_output()
            self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def _start(self, prompt: str, kind: str) -> bool:
        loaded = self.loaded
        if loaded is None or self.busy:
            return False
        self.editor.clear_suggestion()
        self.copy_marks.clear()
        beam = self.decoding.beam_settings(self.length.value())
        if beam is not None:
            self._pending = (kind, describe_beam(beam), None)
            self._run_job(
                lambda _report: beam_search(loaded.model, loaded.tokenizer, prompt, beam),
                self._beam_done,
                "beam search",
            )
            return True
        settings = self.fixed_seed_settings()
        self._pending = (kind, describe_sampling(settings), settings.seed)
        self.runner.start(loaded.model, loaded.tokenizer, prompt, settings)
        return True

    def _run_job(self, work: Callable[[object], Any], done: Callable[[Any], None], name: str) -> None:
        """Beam search or alternatives: no stream, the result arrives whole."""
        self._job_running = True
        self._on_running(True)

        def ended() -> None:
            self._job_running = False
            self._on_running(self.runner.running)

        def on_done(result: Any) -> None:
            ended()
            done(result)

        def on_error(message: str) -> None:
            ended()
            self._on_failed(message)

        self.tasks.run(work, on_done=on_done, on_error=on_error, name=name)

    def _beam_done(self, hypotheses: list[Hypothesis]) -> None:
        text = hypotheses[0].text if hypotheses else ""
        self._on_tokens([(text, 0.0)])
        self._finished(text)
        self.generated.emit(text)

    def _stream_finished(self, text: str) -> None:
        self._finished(text, stopped=self.runner.stop_requested)

    def _finished(self, text: str, *, stopped: bool = False) -> None:
        """An output has ended, whole or stopped: into the history, and checked for copied spans."""
        kind, settings, seed = self._pending
        full = self.editor.toPlainText()
        self.history.add(entry(full, kind=kind, settings=settings, seed=seed, stopped=stopped))
        if self.loaded is not None:
            self.copy_marks.check(self.loaded, text, len(full) - len(text))

    def generate_alternatives(self) -> None:
        """ALTERNATIVES continuations of the prompt in one batch, seeds counting up from the seed."""
        loaded = self.loaded
        if loaded is None or self.busy:
            return
        prompt = self.prompt.toPlainText()
        settings = self.fixed_seed_settings()
        self.alternatives.set_samples([])
        self.copy_marks.clear()  # its line spoke of the editor's last output, not of these
        self.status.setText(f"Generating {ALTERNATIVES} alternatives…")
        self._run_job(
            lambda _report: generate_samples(loaded.model, loaded.tokenizer, prompt, settings, ALTERNATIVES),
            lambda samples: self._alternatives_done(prompt, settings, samples),
            "alternatives",
        )

    def _alternatives_done(self, prompt: str, settings: SamplingSettings, samples: list[Sample]) -> None:
        self._alternatives_prompt = prompt
        self.alternatives.set_samples(samples)
        for sample in samples:
            self.history.add(
                entry(
                    prompt + sample.text,
                    kind="alternative",
                    settings=describe_sampling(settings),
                    seed=sample.seed,
                )
            )
        self.status.setText(f"{len(samples)} alternatives under the editor: click one to keep it.")

    def keep_alternative(self, text: str, _seed: int) -> None:
        """Prompt and alternative into the editor, so Continue goes on from it."""
        prompt = self._alternatives_prompt
        if self.put_back(prompt + text) and self.loaded is not None:
            self.copy_marks.check(self.loaded, text, len(self.editor.toPlainText()) - len(text))

    def put_back(self, text: str) -> bool:
        """An earlier output (or a kept alternative) into the editor, the caret at its end."""
        if self.busy:
            return False
        self.copy_marks.clear()
        self.editor.put_in(text)  # after what the person typed; undoable, as a generation is
        self.editor.setFocus()
        return True

    def show_history(self) -> None:
        self.history.show()
        self.history.raise_()
        self.history.activateWindow()

    def stop(self) -> None:
        self.runner.stop()
        self.editor.clear_suggestion()

    def _on_tokens(self, tokens: list[tuple[str, float]]) -> None:
        self.editor.append_output("".join(text for text, _ in tokens))

    def _on_failed(self, message: str) -> None:
        self.status.setText(f"Generation failed: {message}")

    def _on_running(self, _running: bool) -> None:
        busy = self.busy
        ready = self.loaded is not None and not busy
        for button in (self.generate_button, self.continue_button, self.alternatives_button):
            button.setEnabled(ready)
        self.stop_button.setEnabled(self.runner.running)  # beam search and alternatives end alone
        self.editor.setReadOnly(busy)
        self.busy_changed.emit(busy)
        if not busy:
            self.assist.schedule_candidates()
