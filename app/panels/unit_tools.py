"""The Gates tab's unit tools: find the unit that best tracks a property of the text,
and steer generation by holding a unit at a value.

"Find its unit" ranks every unit on the held-out end of the model's own corpus
(``rank_units``) and reports the best one for the chosen property, or for a regular
expression typed in, beside what an untrained model of the same shape reaches there (the
chance level, as the CLI's ``units`` gives it) and the report's own verdict, which may be
that no unit tracks the property better than chance; the Gates panel then tints its text
by that unit. "Generate with clamp" continues the prompt twice with the same seed, once
free and once with the unit held at the slider's value (``ClampedStepper``), and shows both.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.background import Background
from app.panels.insight_sections import held_out_text
from lstm_core.measure.steering import Clamp, ClampedStepper
from lstm_core.measure.text_properties import PROPERTIES
from lstm_core.measure.units import rank_units
from lstm_core.measure.units_report import PropertyUnits
from lstm_core.sampling import SamplingSettings, generate

STEER_TOKENS = 160  # enough text to see a held unit's effect, short enough to read side by side
STEER_SEED = 1  # both continuations draw the same random numbers: only the clamp differs
SLIDER_SCALE = 10  # the slider holds tenths


def steer(loaded: Any, prompt: str, clamp: Clamp) -> tuple[str, str]:
    """The prompt continued free and with ``clamp`` held, same seed (runs in the background)."""
    settings = SamplingSettings(max_tokens=STEER_TOKENS, temperature=0.7, seed=STEER_SEED)
    model, tokenizer = loaded.model, loaded.tokenizer
    free = "".join(generate(model, tokenizer, prompt, settings))
    held = "".join(generate(model, tokenizer, prompt, settings, stepper=ClampedStepper(model, [clamp])))
    return free, held


def describe_found(found: PropertyUnits) -> str:
    """The best unit and its r beside the untrained model's, the probe's likewise, and the verdict."""
    best = found.best[0]
    state = "cell state C" if best.state == "c" else "hidden state h"
    line = f"{state} unit {best.unit} of layer {best.layer}, r = {best.r:+.2f}"
    if found.baseline is not None:
        line += f" (an untrained model of the same shape: best |r| {found.baseline:.2f})"
    probe = found.probe
    if probe is not None and probe.baseline is not None:
        line += f"; a probe over {len(probe.units)} units: r {probe.r:.2f}, untrained {probe.baseline:.2f}"
    return f"{line}. Verdict: {found.verdict()}"


class UnitTools(QWidget):
    found = Signal(object)  # (property name, UnitScore): the best unit, to tint the text by
    steered = Signal(str, str)  # the free continuation, the clamped one
    failed = Signal(str)  # a readable message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.background = Background(self)
        self.loaded: Any = None
        self.result: PropertyUnits | None = None  # the last property ranked, for its verdict
        self.busy = False  # one job at a time, from the click until its result is shown
        self.prompt = ""
        self.property_box = QComboBox()
        for name, (description, _) in PROPERTIES.items():
            self.property_box.addItem(f"{name}: {description}", name)
        self.regex = QLineEdit()
        self.regex.setPlaceholderText("or a regular expression")
        self.find_button = QPushButton("Find its unit")
        self.layer = QSpinBox()
        self.layer.setPrefix("layer ")
        self.unit = QSpinBox()
        self.unit.setPrefix("unit ")
        self.value = QSlider(Qt.Orientation.Horizontal)
        self.value.setRange(-3 * SLIDER_SCALE, 3 * SLIDER_SCALE)
        self.value.setValue(SLIDER_SCALE)
        self.value_label = QLabel()
        self.steer_button = QPushButton("Generate with clamp")
        self.status = QLabel("Pick a property to find the unit that tracks it.")
        self.status.setWordWrap(True)
        self.output = QTextEdit()
        self.output.setReadOnly(True)
        self.output.setMaximumHeight(120)
        find_row = QHBoxLayout()
        for widget in (self.property_box, self.regex, self.find_button):
            find_row.addWidget(widget)
        clamp_row = QHBoxLayout()
        for part in (
            QLabel("Clamp"),
            self.layer,
            self.unit,
            self.value,
            self.value_label,
            self.steer_button,
        ):
            clamp_row.addWidget(part)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(find_row)
        layout.addLayout(clamp_row)
        layout.addWidget(self.status)
        layout.addWidget(self.output)
        self.find_button.clicked.connect(self.find_unit)
        self.steer_button.clicked.connect(self.run_clamped)
        self.value.valueChanged.connect(self._show_value)
        self._show_value()

    def _show_value(self) -> None:
        self.value_label.setText(f"= {self.clamp_value():+.1f}")

    def clamp_value(self) -> float:
        return self.value.value() / SLIDER_SCALE

    def set_model(self, loaded: Any) -> None:
        self.loaded = loaded
        if loaded is not None:
            self.layer.setRange(0, loaded.model.config.layers - 1)
            self.unit.setRange(0, loaded.model.config.hidden - 1)

    def shutdown(self) -> None:
        self.background.shutdown(timeout_ms=600_000)

    # ---- find the unit of a property ------------------------------------------------------
    def find_unit(self) -> None:
        loaded, pattern = self.loaded, self.regex.text().strip()
        if loaded is None or self.busy:
            return
        self.busy = True
        name = f"/{pattern}/" if pattern else str(self.property_box.currentData())
        self.status.setText(f"Ranking every unit for {name} on the model's held-out text…")

        def work(_report: Any) -> tuple[PropertyUnits, str]:
            text, where = held_out_text(loaded)
            patterns = [pattern] if pattern else []
            # The untrained twin says what chance looks like: a unit that merely echoes the
            # current character correlates as well in a model that has learnt nothing.
            report = rank_units(loaded.model, loaded.tokenizer, text, patterns=patterns, top=1, baseline=True)
            return next(p for p in report.properties if p.name == name), where

        self.background.run(work, on_done=self._found, on_error=self._fail, name="rank units")

    def _found(self, result: tuple[PropertyUnits, str]) -> None:
        self.busy = False
        found, where = result
        self.result = found
        name = found.name
        if not found.best:
            self.status.setText(f"{name} never changes in {where}: no unit can track it there.")
            return
        best = found.best[0]
        self.status.setText(f"Best unit for {name} on {where}: {describe_found(found)}.")
        self.layer.setValue(best.layer)
        self.unit.setValue(best.unit)
        # Hold it where the property is on: high if it rises with the property, low if it falls.
        self.value.setValue(round(2 * SLIDER_SCALE * (1 if best.r > 0 else -1)))
        self.found.emit((name, best))

    def _fail(self, message: str) -> None:
        self.busy = False
        self.status.setText(f"Could not finish: {message}")
        self.failed.emit(message)

    # ---- steer ------------------------------------------------------------------------------
    def run_clamped(self) -> None:
        loaded = self.loaded
        if loaded is None or self.busy:
            return
        self.busy = True
        clamp = Clamp(self.layer.value(), self.unit.value(), self.clamp_value())
        prompt = self.prompt
        self.status.setText(
            f"Generating with unit {clamp.unit} of layer {clamp.layer} held at {clamp.value:+.1f}…"
        )
        self.background.run(
            lambda _report: steer(loaded, prompt, clamp),
            on_done=self._steered,
            on_error=self._fail,
            name="steer",
        )

    def _steered(self, texts: tuple[str, str]) -> None:
        self.busy = False
        free, held = texts
        self.output.setPlainText(f"free:\n{self.prompt}{free}\n\nclamped:\n{self.prompt}{held}")
        self.status.setText("Same prompt, same seed: the only difference is the held unit.")
        self.steered.emit(free, held)
