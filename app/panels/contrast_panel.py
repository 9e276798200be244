"""Right panel: the same prompt and seed through the LSTM and the vanilla RNN,
side by side, every token tinted by how surprised its model was by it.

Both generate at once in one background job, through the engine's
``generate_pair`` (``app.generation_runner.stream_pair``)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextEdit, QVBoxLayout, QWidget

from app.background import Background, Report
from app.generation_runner import TokenBatch, stream_side_by_side
from app.model_store import LoadedModel
from app.panels.flow_layout import FlowLayout
from app.plot_style import mono_font
from lstm_core.pair import cross_surprisals
from lstm_core.pair_worker import shared_worker
from lstm_core.sampling import SamplingSettings

SURPRISAL_CAP = 6.0  # nats; at and above this a token gets the strongest tint (p ≈ 0.25 %)
TINT = (230, 60, 40)  # one warm hue whose strength is the surprisal: readable on light and dark
COLUMNS = ("main", "rnn")  # the column of each model index of the pair: the main model first


def tint(surprisal: float) -> QColor:
    strength = max(0.0, min(1.0, surprisal / SURPRISAL_CAP))
    return QColor(*TINT, round(200 * strength))


def metrics_text(loaded: LoadedModel | None) -> str:
    if loaded is None:
        return "–"
    loss, bpc = loaded.val_loss, loaded.bits_per_char
    if loss is None:
        return "validation: not measured yet"
    # Two lines: in a narrow column one line wrapped inside "bits/char".
    return f"validation: {loss:.3f} nats\n{bpc:.3f} bits/char" if bpc is not None else f"{loss:.3f} nats"


def score_table(names: list[str], scores: list[list[float | None]]) -> str:
    """Rich text: rows are the judges, columns the samples, in nats per token."""
    head = "".join(f"<th>&nbsp;{n}'s sample&nbsp;</th>" for n in names)
    rows = "".join(
        f"<tr><td>under {judge}&nbsp;</td>"
        + "".join(f"<td align='center'>{'–' if v is None else f'{v:.2f}'}</td>" for v in row)
        + "</tr>"
        for judge, row in zip(names, scores, strict=True)
    )
    return (
        f"<table cellspacing='0'><tr><td>nats/token</td>{head}</tr>{rows}</table>"
        "Both samples scored under both models (lower: less surprising). Compare the samples "
        "along a row: a model's own sample flatters it, having picked its likely tokens."
    )


class _Column(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.metrics = QLabel("–")
        self.metrics.setWordWrap(True)
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(mono_font(11))
        self.tokens: list[tuple[str, float]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.metrics)
        layout.addWidget(self.text, 1)

    def clear(self, prompt: str) -> None:
        self.tokens = []
        self.text.clear()
        if prompt:
            fmt = QTextCharFormat()
            fmt.setFontUnderline(True)
            fmt.setToolTip("prompt")
            self.text.textCursor().insertText(prompt, fmt)

    def append(self, tokens: list[tuple[str, float]]) -> None:
        self.tokens.extend(tokens)
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        for text, surprisal in tokens:
            fmt = QTextCharFormat()
            fmt.setBackground(tint(surprisal))
            fmt.setToolTip(f"{text!r}: {surprisal:.2f} nats")
            cursor.insertText(text, fmt)
        self.text.setTextCursor(cursor)

    def mean_surprisal(self) -> float | None:
        return sum(s for _, s in self.tokens) / len(self.tokens) if self.tokens else None


class ContrastPanel(QWidget):
    train_rnn_requested = Signal()  # no payload: the person asked for an RNN on the current corpus
    compared = Signal(str, str)  # (LSTM text, RNN text) once both have finished
    busy_changed = Signal(bool)  # True while the two models generate side by side

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: Callable[[], tuple[str, SamplingSettings]] = lambda: ("", SamplingSettings())
        self.main: LoadedModel | None = None
        self.rnn: LoadedModel | None = None
        self.background = Background(self)
        self.background.idle.connect(self._update_buttons)
        self.background.idle.connect(lambda: self.busy_changed.emit(False))
        self._stop = threading.Event()
        self.columns = {"main": _Column("LSTM"), "rnn": _Column("Vanilla RNN")}
        self._training = False  # a run is going: no second one from here

        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Run the generation prompt and seed through both models (Ctrl+R)")
        self.compare_button.clicked.connect(self.compare)
        self.train_button = QPushButton("Train the RNN on this corpus")
        self.train_button.setToolTip("One click: a vanilla RNN of the same size, same corpus, same budget")
        self.train_button.clicked.connect(self.train_rnn_requested)
        self.summary = QLabel("")  # short on purpose: "seed 42 · T 0.8" fits beside the buttons
        # Wrapping, so "Train the RNN" beside Compare does not hold the dock wide: a width the
        # person chose below it was lost on the next start, before the models had loaded.
        buttons = FlowLayout()
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.summary)

        self.legend = QLabel()
        self.legend.setWordWrap(True)
        low, mid, high = (tint(v).name(QColor.NameFormat.HexArgb) for v in (0.5, 3.0, 6.0))
        self.legend.setText(
            "Tint = surprisal, −log p of each token under its model: "
            f"<span style='background-color:{low}'>&nbsp;expected&nbsp;</span> "
            f"<span style='background-color:{mid}'>&nbsp;unsure&nbsp;</span> "
            f"<span style='background-color:{high}'>&nbsp;surprised&nbsp;</span>. "
            "Hover a token for its value."
        )

        # Below both columns, not inside one: a narrow column wrapped these lines over each other.
        self.scores = QLabel("")
        self.scores.setWordWrap(True)
        self.scores.setTextFormat(Qt.TextFormat.RichText)
        columns = QHBoxLayout()
        columns.addWidget(self.columns["main"])
        columns.addWidget(self.columns["rnn"])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.legend)
        layout.addLayout(columns, 1)
        layout.addWidget(self.scores)
        self.set_models(None, None)

    @property
    def running(self) -> bool:
        return self.background.running

    def set_models(self, main: LoadedModel | None, rnn: LoadedModel | None) -> None:
        # The old models' text beside the new models' names would be read as theirs.
        self.stop()
        for column in self.columns.values():
            column.clear("")
        self.summary.clear()
        self.scores.clear()
        self.main, self.rnn = main, rnn
        pair = [m.model.device.type for m in (main, rnn) if m is not None]
        if pair == ["cpu", "cpu"]:
            shared_worker()  # starts the RNN's own process now, so that it is ready to compare
        self.columns["main"].title.setText(f"<b>{main.cell.upper() if main else 'LSTM'}</b>")
        self.columns["main"].metrics.setText(metrics_text(main))
        self.columns["rnn"].metrics.setText(
            metrics_text(rnn) if rnn else "No RNN was trained with this model: one click trains one."
        )
        self._update_buttons()

    def set_training(self, training: bool) -> None:
        self._training = training
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.compare_button.setEnabled(self.main is not None and not self.running)
        self.train_button.setEnabled(self.main is not None and not self._training)
        self.train_button.setVisible(self.rnn is None)

    def compare(self) -> None:
        if self.main is None or self.running:
            return
        prompt, settings = self.source()
        if settings.seed is None:  # "random" still means the same draw for both models
            settings = replace(settings, seed=random.randrange(2**31))
        for column in self.columns.values():
            column.clear(prompt)
        self.scores.clear()
        models = [(m.model, m.tokenizer) for m in (self.main, self.rnn) if m is not None]
        stop = self._stop = threading.Event()

        def work(report: Report) -> tuple[list[str], list[list[float | None]]]:
            texts = stream_side_by_side(models, prompt, settings, stop, report)
            return texts, cross_surprisals(models, prompt, texts)

        self.background.run(
            work,
            on_done=self._finished,
            on_error=self._failed,
            on_event=self._tokens,
            on_stop=stop.set,
            name="contrast",
        )
        self._update_buttons()
        self.busy_changed.emit(True)
        self.summary.setText(f"seed {settings.seed} · T {settings.temperature:g}")
        self.summary.setToolTip(f"Prompt: {prompt!r}")

    def stop(self) -> None:
        self._stop.set()

    def shutdown(self) -> None:
        self.background.shutdown()

    def _tokens(self, batch: TokenBatch) -> None:
        self.columns[COLUMNS[batch.index]].append(batch.tokens)

    def _finished(self, result: tuple[list[str], list[list[float | None]]]) -> None:
        texts, scores = result
        names = [m.cell.upper() for m in (self.main, self.rnn) if m is not None][: len(texts)]
        self.scores.setText(score_table(names, scores))
        self.compared.emit(texts[0], texts[1] if len(texts) > 1 else "")

    def _failed(self, message: str) -> None:
        self.summary.setText(f"Generation failed: {message}")
