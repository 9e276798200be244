"""The dashboard's form: a preset, and an Advanced section that overrides it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.panels.option_checks import ENTRY_MAX, clamp, unwise
from lstm_core.hardware import DEVICES
from lstm_core.tokenizers import LEVELS
from training.common.config import TrainConfig
from training.data.documents import STREAM
from training.demo.tiny import TINY_MODEL, TINY_WINDOW
from training.presets.presets import PRESETS, Preset, get_preset

_DEFAULT_CLIP = TrainConfig().grad_clip or 1.0  # shown when a preset trains unclipped

# Curves and a sample within seconds of Start, not after the engine's 15 s and 20 s defaults.
LIVE_OPTIONS: dict[str, Any] = {"sample_every_s": 8.0, "eval_every_s": 5.0}


def preset_label(preset: Preset) -> str:
    """The preset's budget is per model, and the dashboard trains the RNN after it by default."""
    duration = preset.summary.split(" on ")[0]  # "about 1.5 minutes on a laptop CPU" -> "about 1.5 minutes"
    return f"{preset.name} — {duration} per model" if duration.startswith("about") else preset.name


def _spin(low: int, high: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    return box


def _dspin(low: float, high: float, step: float, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    return box


class TrainingOptions(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The corpus panel's choice (stream, files, lines, separator:TEXT); the window links it.
        self.documents: Callable[[], str] = lambda: STREAM
        self.preset = QComboBox()
        for key, preset in PRESETS.items():
            self.preset.addItem(preset_label(preset), key)
            self.preset.setItemData(
                self.preset.count() - 1,
                f"{preset.summary}, per model: the RNN alongside doubles the wait",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.preset.currentIndexChanged.connect(self._fill_from_preset)
        self.compare = QCheckBox("Train a vanilla RNN alongside, for contrast")
        self.compare.setChecked(True)
        self.compare.setToolTip("The RNN trains for the same budget, so the run takes twice as long")

        self.level = QComboBox()
        self.level.addItems(list(LEVELS))
        # Wide entry ranges: an out-of-range number reaches check_values and is answered in words.
        self.hidden = _spin(0, ENTRY_MAX, 32)
        self.embed = _spin(0, ENTRY_MAX, 16)
        # Words and BPE pieces get the wider embedding the engine gives them by default.
        self.level.currentTextChanged.connect(
            lambda level: self.embed.setValue(get_preset(self.preset_key).model_fields(level)["embed"])
        )
        self.layers = _spin(0, ENTRY_MAX)
        self.seq_len = _spin(0, ENTRY_MAX, 16)
        self.batch = _spin(0, ENTRY_MAX, 8)
        self.lr = _dspin(0.0, 100.0, 5e-4, 5)
        self.dropout = _dspin(0.0, 1.0, 0.05, 2)
        self.budget = _dspin(0.1, 100000, 1, 1)
        self.budget_unit = QComboBox()
        self.budget_unit.addItems(["minutes", "steps"])
        self.budget_unit.currentTextChanged.connect(self._unit_changed)
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.clip = QCheckBox("clip at")
        self.clip.setChecked(True)
        self.clip_value = _dspin(0.0, 10_000.0, 0.25, 2)
        self.clip.toggled.connect(self.clip_value.setEnabled)
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
            "hidden": self.hidden,
            "embed": self.embed,
            "layers": self.layers,
            "seq_len": self.seq_len,
            "batch": self.batch,
            "lr": self.lr,
            "dropout": self.dropout,
            "clip": self.clip_value,
        }
        self.notes = QLabel("")  # what was changed, and legal values that usually go wrong
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #b36b00;")
        self.notes.hide()
        self._changed: dict[str, str] = {}  # option -> what was changed, until the next preset
        for box in self.boxes.values():
            box.editingFinished.connect(self.check_values)
        self.clip.toggled.connect(lambda _on: self.check_values())

        budget_row = QHBoxLayout()
        budget_row.addWidget(self.budget, 1)
        budget_row.addWidget(self.budget_unit)
        clip_row = QHBoxLayout()
        clip_row.addWidget(self.clip)
        clip_row.addWidget(self.clip_value, 1)

        self.advanced = QGroupBox("Advanced (overrides the preset)")
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        form = QFormLayout(self.advanced)
        form.addRow("Level", self.level)
        form.addRow("Hidden size", self.hidden)
        form.addRow("Embedding", self.embed)
        form.addRow("Layers", self.layers)
        form.addRow("Sequence length", self.seq_len)
        form.addRow("Batch", self.batch)
        form.addRow("Learning rate", self.lr)
        form.addRow("Dropout", self.dropout)
        form.addRow("Budget", budget_row)
        form.addRow("Device", self.device)
        form.addRow("Gradient clipping", clip_row)
        form.addRow(self.notes)

        # Collapsed by default: most people pick a preset, and the form would push the rest away.
        self.expander = QToolButton()
        self.expander.setText("Advanced options")
        self.expander.setCheckable(True)
        self.expander.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.expander.setAutoRaise(True)
        self.expander.toggled.connect(self.set_expanded)
        self.advanced.toggled.connect(self._advanced_in_use)
        self.set_expanded(False)

        top = QFormLayout()
        top.addRow(QLabel("Preset"), self.preset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.compare)
        layout.addWidget(self.expander)
        layout.addWidget(self.advanced)
        layout.addStretch(1)
        self._fill_from_preset()

    def set_expanded(self, expanded: bool) -> None:
        self.expander.setChecked(expanded)
        self.expander.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.advanced.setVisible(expanded)

    def check_values(self) -> list[str]:
        """Bring out-of-range values into range, saying so, and warn on unwise ones."""
        for name, box in self.boxes.items():
            used, note = clamp(name, box.value())
            if note is not None:
                if isinstance(box, QSpinBox):
                    box.setValue(round(used))  # an integer's limits are integers: round only retypes
                else:
                    box.setValue(used)
                self._changed[name] = note
        values = {name: box.value() for name, box in self.boxes.items()}
        notes = list(self._changed.values()) + unwise(values, clip_on=self.clip.isChecked())
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        return notes

    def _advanced_in_use(self, on: bool) -> None:
        # Collapsed overrides still apply: say so, or a run would surprise its owner.
        self.expander.setText("Advanced options (in use)" if on else "Advanced options")

    def _unit_changed(self, unit: str) -> None:
        if unit == "steps":
            self.budget.setDecimals(0)
            self.budget.setValue(max(1, round(self.budget.value())))
        else:
            self.budget.setDecimals(1)

    def _fill_from_preset(self) -> None:
        """Show the preset's numbers so Advanced starts from them, not from nothing."""
        preset = get_preset(self.preset.currentData())
        model = preset.model_fields(self.level.currentText())
        train = preset.train_config({})
        self.hidden.setValue(model["hidden"])
        self.embed.setValue(model["embed"])
        self.layers.setValue(model["layers"])
        self.dropout.setValue(model["dropout"])
        self.seq_len.setValue(train.seq_len)
        self.batch.setValue(train.batch_size)
        self.lr.setValue(train.lr)
        self.device.setCurrentText(train.device)
        self.clip.setChecked(train.grad_clip is not None)
        self.clip_value.setValue(train.grad_clip or _DEFAULT_CLIP)
        budget = train.budget
        self.budget_unit.setCurrentText("steps" if budget.steps is not None else "minutes")
        self.budget.setValue(budget.steps if budget.steps is not None else budget.minutes or 0.0)
        self._changed = {}
        self.check_values()

    @property
    def preset_key(self) -> str:
        return str(self.preset.currentData())

    @property
    def clip_threshold(self) -> float | None:
        """The threshold the run will use."""
        if self.advanced.isChecked():
            return self.clip_value.value() if self.clip.isChecked() else None
        return get_preset(self.preset_key).train_config({}).grad_clip

    def model_options(self) -> dict[str, Any]:
        if not self.advanced.isChecked():
            return {}
        self.check_values()  # a value typed and not yet confirmed is checked before use
        return {
            "hidden": self.hidden.value(),
            "embed": self.embed.value(),
            "layers": self.layers.value(),
            "dropout": self.dropout.value(),
        }

    def train_options(self) -> dict[str, Any]:
        if not self.advanced.isChecked():
            return dict(LIVE_OPTIONS)
        self.check_values()
        budget = self.budget.value()
        options: dict[str, Any] = {
            **LIVE_OPTIONS,
            "seq_len": self.seq_len.value(),
            "batch_size": self.batch.value(),
            "lr": self.lr.value(),
            "device": self.device.currentText(),
            "grad_clip": self.clip_threshold,
        }
        if self.budget_unit.currentText() == "steps":
            options["steps"] = int(budget)
        else:
            options["minutes"] = budget
        return options

    def set_tiny(
        self,
        *,
        hidden: int = TINY_MODEL["hidden"],
        steps: int = 20,
        seq_len: int = TINY_WINDOW["seq_len"],
        batch: int = TINY_WINDOW["batch_size"],
    ) -> None:
        """The tiny model's seconds-long configuration, for the self-test, tests and benchmarks."""
        self.advanced.setChecked(True)
        self.hidden.setValue(hidden)
        self.embed.setValue(TINY_MODEL["embed"])
        self.layers.setValue(TINY_MODEL["layers"])
        self.seq_len.setValue(seq_len)
        self.batch.setValue(batch)
        self.budget_unit.setCurrentText("steps")
        self.budget.setValue(steps)
        self.device.setCurrentText("cpu")
