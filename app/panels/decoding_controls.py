"""Decoding choices beside temperature and top-k/top-p: min-p, and beam search.

Every widget's range is the range the engine accepts, so the settings built from
them never fail their own checks; the defaults are read from the engine's dataclasses.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QWidget

from lstm_core.beam import MAX_BEAM, BeamSettings
from lstm_core.sampling import SamplingSettings

MIN_P_MAX = 0.99  # the engine needs min-p below 1; 0.99 already keeps only near-ties
LENGTH_PENALTY_MAX = 5.0  # past ~2 long texts win whatever they say
BEAM_IGNORES = (
    "Beam search does not sample, so this does not apply; set Beam width to off to change it "
    "(Alternatives and Compare sample with it)"
)


class DecodingControls:
    """The widgets; the generation panel lays them out in its grid of settings."""

    def __init__(self) -> None:
        self.min_p = QDoubleSpinBox()
        self.min_p.setRange(0.0, MIN_P_MAX)
        self.min_p.setDecimals(2)
        self.min_p.setSingleStep(0.01)
        self.min_p.setValue(SamplingSettings().min_p)
        self.min_p.setSpecialValueText("off")
        self.min_p.setToolTip(
            "Keep only tokens at least this fraction as likely as the likeliest one "
            "(a cut that follows the model's confidence); off keeps all"
        )
        self.beam_width = QSpinBox()
        # From 1, which reads "off": a width of 1 samples, and 0 would be a second "off".
        self.beam_width.setRange(1, MAX_BEAM)
        self.beam_width.setValue(1)
        self.beam_width.setSpecialValueText("off")
        self.beam_width.setToolTip(
            "Beam search: keep this many likeliest continuations instead of sampling one; "
            "off samples as usual (with a width, the sampling settings and seed do not apply)"
        )
        self.length_penalty = QDoubleSpinBox()
        self.length_penalty.setRange(0.0, LENGTH_PENALTY_MAX)
        self.length_penalty.setSingleStep(0.1)
        self.length_penalty.setValue(BeamSettings().length_penalty)
        self.length_penalty.setToolTip(
            "Beams that ended are ranked by log p / length ** this: 0 favours short texts, "
            "1 ranks by log-probability per token"
        )
        self._sampling: list[QWidget] = [self.min_p]  # what only sampling reads
        self._sampling_tips: dict[QWidget, str] = {}
        self.beam_width.valueChanged.connect(self._beam_changed)
        self._beam_changed(self.beam_width.value())

    def fields(self) -> list[tuple[str, QWidget]]:
        return [
            ("Min-p", self.min_p),
            ("Beam width", self.beam_width),
            ("Length penalty", self.length_penalty),
        ]

    def grey_while_beam(self, sampling: list[QWidget]) -> None:
        """The panel's sampling settings (temperature, top-k, …) greyed, as min-p is, while a
        beam width is chosen: beam search reads none of them."""
        self._sampling = [self.min_p, *sampling]
        self._beam_changed(self.beam_width.value())

    def _beam_changed(self, width: int) -> None:
        beam = width >= 2
        self.length_penalty.setEnabled(beam)
        for widget in self._sampling:
            own_tip = self._sampling_tips.setdefault(widget, widget.toolTip())
            widget.setEnabled(not beam)
            widget.setToolTip(BEAM_IGNORES if beam else own_tip)

    def beam_settings(self, max_tokens: int) -> BeamSettings | None:
        """Beam search settings, or None when the width asks for sampling ("off", 1)."""
        width = self.beam_width.value()
        if width < 2:
            return None
        return BeamSettings(width=width, max_tokens=max_tokens, length_penalty=self.length_penalty.value())
