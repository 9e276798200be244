"""The Runs tab's table: one row per run, its columns fitted to the tab.

Fitted to their contents, a long run name pushed Best val., Date and State behind a
horizontal scrollbar even at 1920×1080. Now the run's name takes what the other columns
leave (elided in the middle, whole in its tooltip), the corpus stops at CORPUS_WIDEST, and
when the tab is narrow the descriptive columns give way before those that rank the runs.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from app.panels.run_preset import preset_cell
from training.checkpoints.run_history import RunRecord

COLUMNS = ("Run", "Corpus", "Level", "Shape", "Preset", "Budget", "Steps", "Best val.", "Date", "State")
CORPUS_WIDEST = 180  # pixels: a longer corpus name is elided, whole in its tooltip
# Short of room, these give way first, in this order, each down to so many pixels.
GIVE_WAY = (("Run", 100), ("Corpus", 70), ("Shape", 90), ("Budget", 70))
HIDE_FIRST = ("Level", "Budget", "Corpus", "Shape")  # then these are hidden, one at a time
LAST_RESORT = (("Preset", 60), ("Date", 90), ("Run", 60))  # and only then do these give way


def _item(text: str, sort_value: object | None = None) -> QTableWidgetItem:
    """A cell showing ``text``; numbers carry their value too, so the column sorts as numbers."""
    item = _SortItem(text)
    if sort_value is not None:
        item.setData(Qt.ItemDataRole.UserRole + 1, sort_value)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setToolTip(text)
    return item


class _SortItem(QTableWidgetItem):
    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole + 1), other.data(Qt.ItemDataRole.UserRole + 1)
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return self.text() < other.text()


def row_cells(run: RunRecord) -> list[QTableWidgetItem]:
    best = run.best_val_loss
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.saved_at)) if run.saved_at else ""
    shape = f"{run.main.cell.upper()} {run.main.shape}" + (" + RNN" if run.rnn else "")
    preset = preset_cell(run)
    cells = [
        _item(run.name),
        _item(run.corpus),
        _item(run.level),
        _item(shape),
        _item(preset.text),
        _item(run.budget or "–"),
        _item(f"{run.main.steps:,}", run.main.steps),
        _item(f"{best:.3f}" if best is not None else "–", round(best, 3) if best is not None else 1e9),
        _item(date),
        _item(run.state),
    ]
    cells[0].setData(Qt.ItemDataRole.UserRole, str(run.folder))
    cells[COLUMNS.index("Preset")].setToolTip(preset.tooltip)
    if run.state == "diverged":
        cells[-1].setForeground(Qt.GlobalColor.red)
    return cells


class RunsTable(QTableWidget):
    """The runs, one a row, their columns fitted to the table's width whenever it changes."""

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setHorizontalHeaderLabels(list(COLUMNS))
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # a person may still drag
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)  # one line a run: a squeezed cell is elided, not wrapped

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each column as wide as its contents and title, the run's name taking what is left.
        Short of room, the columns in GIVE_WAY shrink in turn, elided, to their least width,
        and those in HIDE_FIRST are hidden one by one until the rest fit (they come back when
        the table is wider): the preset and what ranks the runs (steps, best validation, date,
        state) stay in view, whole but at the narrowest."""
        header = self.horizontalHeader()
        wanted = [max(self.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(len(COLUMNS))]
        corpus = COLUMNS.index("Corpus")
        wanted[corpus] = min(wanted[corpus], CORPUS_WIDEST)
        room = self.viewport().width()
        hidden: set[int] = set()
        while True:
            widths = [0 if c in hidden else w for c, w in enumerate(wanted)]
            excess = _give_way(widths, sum(widths) - room, GIVE_WAY)
            more = [COLUMNS.index(t) for t in HIDE_FIRST if COLUMNS.index(t) not in hidden]
            if excess <= 0 or not more:
                break
            hidden.add(more[0])
        excess = _give_way(widths, excess, LAST_RESORT)
        if excess < 0:  # room to spare: the run's name takes it
            widths[COLUMNS.index("Run")] -= excess
        for column, width in enumerate(widths):
            self.setColumnHidden(column, column in hidden)
            if column not in hidden:
                header.resizeSection(column, width)


def _give_way(widths: list[int], excess: int, order: tuple[tuple[str, int], ...]) -> int:
    """Shrink the columns of ``order`` in turn, each to its least width, until ``excess``
    pixels are found; returns what is still missing (negative: room to spare)."""
    for title, least in order:
        column = COLUMNS.index(title)
        give = min(excess, max(0, widths[column] - least))  # a hidden column's width is 0
        if give > 0:
            widths[column] -= give
            excess -= give
    return excess
