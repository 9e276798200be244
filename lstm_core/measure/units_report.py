"""What ranking units reports: per property the best units and a probe, which of them tracks it; a table.

A figure counts as tracking the property when it beats its untrained twin's by CLEAR_MARGIN
(a unit) or PROBE_MARGIN (a probe); ``shown`` names the one that does, the unit first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

# How far a trained figure must beat its untrained twin's to count. Over four seeds of the twin
# on two texts (Python for a char model, licences for a word model) the best unit's |r| moved
# by up to 0.10 and the probe's held-out r by up to 0.31 (a half-text probe is noisier than a
# best-of-hundreds unit); a property the current token gives away lifts trained and untrained alike.
CLEAR_MARGIN = 0.1
PROBE_MARGIN = 0.2
NO_UNIT = "no unit tracks this better than chance"


@dataclass(frozen=True)
class UnitScore:
    layer: int
    state: str  # "h" or "c"
    unit: int
    r: float  # Pearson correlation with the property over every position read

    def label(self) -> str:
        return f"L{self.layer}:{self.state}{self.unit}"


@dataclass(frozen=True)
class Probe:
    """A ridge readout over a few units: fitted on the first half of the positions, scored on the second."""

    units: list[UnitScore]  # the units it reads, chosen by |r| on the first half (r: on that half)
    r: float  # Pearson r of its prediction with the property on the second half
    baseline: float | None  # the same probe's r on an untrained model of the same shape

    def to_dict(self) -> dict[str, Any]:
        return {"units": [asdict(u) for u in self.units], "r": self.r, "baseline": self.baseline}


Shown = Literal["unit", "probe"]


@dataclass(frozen=True)
class PropertyUnits:
    name: str
    description: str
    best: list[UnitScore]  # the TOP units by |r|, best first; empty when the property is absent
    baseline: float | None  # best |r| of an untrained model of the same shape, when measured
    probe: Probe | None = None  # None when the property is absent
    # which figure clears its untrained baseline by its margin (the unit first, if both do);
    # None: neither does, or there is no baseline to compare with
    shown: Shown | None = None

    @property
    def unit_clear(self) -> bool | None:
        """The best unit beats the untrained best by CLEAR_MARGIN; None without a baseline."""
        if not self.best or self.baseline is None:
            return None
        return abs(self.best[0].r) >= self.baseline + CLEAR_MARGIN

    @property
    def probe_clear(self) -> bool | None:
        if self.probe is None or self.probe.baseline is None:
            return None
        return self.probe.r >= self.probe.baseline + PROBE_MARGIN

    def verdict(self) -> str:
        """One line: which figure tracks the property, or that none does better than chance."""
        if not self.best:
            return "absent from this text"
        if self.baseline is None:
            return "no untrained baseline measured"
        if self.shown == "unit":
            unit = self.best[0]
            return f"unit {unit.label()} tracks it (r {unit.r:+.2f}, untrained {self.baseline:.2f})"
        if self.shown == "probe" and self.probe is not None:
            return (
                f"a probe over {len(self.probe.units)} units tracks it (r {self.probe.r:.2f} on held-out "
                f"positions, untrained {self.probe.baseline:.2f}); no single unit does"
            )
        return NO_UNIT

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "best": [asdict(u) for u in self.best],
            "probe": None if self.probe is None else self.probe.to_dict(),
            "unit_clear": self.unit_clear,
            "probe_clear": self.probe_clear,
            "verdict": self.verdict(),
        }


@dataclass(frozen=True)
class UnitsReport:
    name: str
    cell: str
    positions: int
    properties: list[PropertyUnits]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell": self.cell,
            "positions": self.positions,
            "properties": [p.to_dict() for p in self.properties],
        }


def format_units_table(report: UnitsReport) -> str:
    """One line per property: its best units and r beside the untrained best |r|, the probe's
    held-out r beside the untrained probe's, and which of the two tracks it (or neither)."""
    width = max(16, *(len(p.name) + 2 for p in report.properties))
    head = f"{'property':<{width}}{'best units (r)':<44}{'untrained':>10}{'probe r':>9}{'untrained':>10}  "
    lines = [head + "tracked by"]
    for prop in report.properties:
        if not prop.best:
            lines.append(f"{prop.name:<{width}}{'(absent from this text)':<44}{'–':>10}{'–':>9}{'–':>10}")
            continue
        units = ", ".join(f"{u.label()} {u.r:+.2f}" for u in prop.best)
        base = "–" if prop.baseline is None else f"{prop.baseline:.2f}"
        probe = "–" if prop.probe is None else f"{prop.probe.r:.2f}"
        probe_base = (
            "–" if prop.probe is None or prop.probe.baseline is None else f"{prop.probe.baseline:.2f}"
        )
        lines.append(
            f"{prop.name:<{width}}{units:<44}{base:>10}{probe:>9}{probe_base:>10}  {_tracked_by(prop)}"
        )
    if any(p.best and p.shown is None and p.baseline is not None for p in report.properties):
        lines.append(
            f"none: chance = {NO_UNIT} (neither the unit by {CLEAR_MARGIN:.1f} in r nor the probe "
            f"by {PROBE_MARGIN:.1f} beats the untrained model)"
        )
    return "\n".join(lines)


def _tracked_by(prop: PropertyUnits) -> str:
    if prop.baseline is None:
        return "? (no baseline)"
    if prop.shown == "unit":
        return prop.best[0].label()
    if prop.shown == "probe" and prop.probe is not None:
        return f"probe of {len(prop.probe.units)}"
    return "none: chance"
