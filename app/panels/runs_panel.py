"""The Runs tab: every run in the data folder, sortable, with their validation curves overlaid.

The rows come from ``training.checkpoints.run_history`` (checkpoint headers only, no tensors), so
refreshing is cheap enough for the GUI thread. Open and Resume are requests the
window answers; rename and delete act on the folder here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QFile, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.panels.empty_plot import note_empty
from app.panels.runs_legend import CurveKey, RunsLegend
from app.panels.runs_table import COLUMNS as COLUMNS  # re-exported: the tab's column titles
from app.panels.runs_table import RunsTable, row_cells
from app.panels.steady_plot import SteadyViewBox
from app.panels.training_plots import StepAxis
from app.plot_style import RUN_COLOURS, follow_palette
from training.checkpoints.checkpoint import CheckpointError
from training.checkpoints.run_history import RunRecord, delete_run, read_run, rename_run, scan_runs


def move_to_trash(folder: Path) -> bool:
    result = QFile.moveToTrash(str(folder))
    # PySide6 returns (ok, path in trash) or only ok, depending on the version.
    return bool(result[0] if isinstance(result, tuple) else result)


class RunsPanel(QWidget):
    open_requested = Signal(object)  # Path: a run folder to load as the model
    resume_requested = Signal(object)  # Path: a resumable run folder to continue
    renamed = Signal(object, object)  # (old Path, new Path)

    def __init__(self, runs_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_dir = runs_dir
        self.records: dict[str, RunRecord] = {}
        # The checkpoints now loaded in the window, so deleting their run can say so.
        self.loaded_checkpoints: Callable[[], list[Path]] = list

        self.table = RunsTable()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())

        self.buttons = {
            "open": QPushButton("Open"),
            "resume": QPushButton("Resume"),
            "rename": QPushButton("Rename…"),
            "delete": QPushButton("Delete…"),
            "refresh": QPushButton("Refresh"),
        }
        self.buttons["open"].clicked.connect(self.open_selected)
        self.buttons["resume"].clicked.connect(self.resume_selected)
        self.buttons["rename"].clicked.connect(self.rename_selected)
        self.buttons["delete"].clicked.connect(self.delete_selected)
        self.buttons["refresh"].clicked.connect(self.refresh)
        self.hint = QLabel("Select two or more runs to overlay their validation curves.")
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)

        # Its step axis starts at 0, as the training plots' do.
        self.plot_view = pg.PlotWidget(viewBox=SteadyViewBox(), axisItems={"bottom": StepAxis("bottom")})
        self.plot = self.plot_view.getPlotItem()
        self.plot.setTitle("Validation loss, nats per token")  # short: a legend sits beside it
        self.plot.setLabel("bottom", "step")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.empty_note = note_empty(self.plot, "No curves yet: select runs above")
        self.legend = RunsLegend()  # beside the plot: long run names hid the curves from inside it
        follow_palette(self.palette(), [self.plot_view], [self.plot])
        curves = QWidget()
        beside = QHBoxLayout(curves)
        beside.setContentsMargins(0, 0, 0, 0)
        beside.addWidget(self.plot_view, 3)
        beside.addWidget(self.legend, 1)

        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.table, 1)
        column.addWidget(self.hint)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(curves)
        split.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self.refresh()

    # ---- the list ----------------------------------------------------------------------
    def refresh(self) -> None:
        selected = {str(r.folder) for r in self.selected()}
        self.records = {str(r.folder): r for r in scan_runs(self.runs_dir)}
        self.table.setSortingEnabled(False)  # filling a sorted table scrambles the rows
        self.table.setRowCount(len(self.records))
        for index, run in enumerate(self.records.values()):
            for col, cell in enumerate(row_cells(run)):
                self.table.setItem(index, col, cell)
        self.table.setSortingEnabled(True)
        self.table.fit_columns()
        for index in range(self.table.rowCount()):
            if self._folder_at(index) in selected:
                self.table.selectRow(index)
        self._selection_changed()

    def refresh_run(self, checkpoint: str | Path) -> None:
        """The row of the run that just saved ``checkpoint`` (its own, or its RNN's), read
        again: a run saves many times, and reading every run's header each time would cost
        the window a scan of the whole folder. A run not listed yet brings the whole list."""
        runs_dir = self.runs_dir.resolve()
        path = Path(checkpoint).resolve()
        if runs_dir not in path.parents:
            return  # saved outside the runs folder: not a row of this table
        folder = self.runs_dir / path.relative_to(runs_dir).parts[0]
        rows = [r for r in range(self.table.rowCount()) if self._folder_at(r) == str(folder)]
        if not rows:
            self.refresh()
            return
        try:
            record = read_run(folder)
        except (CheckpointError, OSError):
            return  # caught between writes: the next save reads it
        self.records[str(folder)] = record
        first = self.table.item(rows[0], 0)
        selected = first is not None and first.isSelected()
        self.table.setSortingEnabled(False)
        for col, cell in enumerate(row_cells(record)):
            self.table.setItem(rows[0], col, cell)
        self.table.setSortingEnabled(True)
        self.table.fit_columns()
        if selected:  # the new cells are not: select the row again, with its longer curve
            self.select_folders([*(r.folder for r in self.selected()), folder])

    def _folder_at(self, row: int) -> str:
        item = self.table.item(row, 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def selected(self) -> list[RunRecord]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.records[f] for f in (self._folder_at(r) for r in rows) if f in self.records]

    def select_folders(self, folders: list[Path]) -> None:
        wanted = {str(f) for f in folders}
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for index in range(self.table.rowCount()):
            if self._folder_at(index) in wanted:
                self.table.selectRow(index)
        self.table.setSelectionMode(mode)

    def _selection_changed(self) -> None:
        runs = self.selected()
        one = len(runs) == 1
        self.buttons["open"].setEnabled(one)
        self.buttons["resume"].setEnabled(one and runs[0].state == "resumable")
        self.buttons["rename"].setEnabled(one)
        self.buttons["delete"].setEnabled(bool(runs))
        self.draw_curves(runs)

    def draw_curves(self, runs: list[RunRecord]) -> None:
        self.plot.clear()
        keys: list[CurveKey] = []
        for index, run in enumerate(runs):
            colour = RUN_COLOURS[index % len(RUN_COLOURS)]
            for model, dash in ((run.main, Qt.PenStyle.SolidLine), (run.rnn, Qt.PenStyle.DashLine)):
                if model is None or not model.history:
                    continue
                self.plot.plot(
                    [p.step for p in model.history],
                    [p.val_loss for p in model.history],
                    pen=pg.mkPen(colour, width=2, style=dash),
                    symbol="o",
                    symbolSize=5,
                    symbolBrush=colour,
                )
                keys.append(
                    CurveKey(run.name, model.cell.upper(), colour, dashed=dash == Qt.PenStyle.DashLine)
                )
        self.legend.set_curves(keys)
        self.empty_note.set_empty(not keys)
        self.curve_names = [key.name for key in keys]

    # ---- actions -----------------------------------------------------------------------
    def open_selected(self) -> None:
        runs = self.selected()
        if len(runs) == 1:
            self.open_requested.emit(runs[0].folder)

    def resume_selected(self) -> None:
        runs = self.selected()
        if len(runs) == 1 and runs[0].state == "resumable":
            self.resume_requested.emit(runs[0].folder)

    def rename_selected(self, new_name: str | None = None) -> Path | None:
        runs = self.selected()
        if len(runs) != 1:
            return None
        old = runs[0].folder
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, "Rename run", "New name:", text=old.name)
            if not ok:
                return None
        try:
            new = rename_run(old, new_name)
        except ValueError as err:
            QMessageBox.warning(self, "Cannot rename", str(err))
            return None
        self.refresh()
        self.select_folders([new])
        self.renamed.emit(old, new)
        return new

    def _loaded_note(self, runs: list[RunRecord]) -> str:
        """The loaded model lives in memory and outlives its folder; only copying its files
        (Save Model As) needs them."""
        loaded = [path.resolve() for path in self.loaded_checkpoints()]
        names = [r.name for r in runs if any(r.folder.resolve() in path.parents for path in loaded)]
        if not names:
            return ""
        return (
            f"\n\n{', '.join(names)} {'is' if len(names) == 1 else 'are'} the model now loaded; it stays "
            "loaded until you open another, but Save Model As can no longer copy it."
        )

    def delete_selected(self) -> int:
        runs = self.selected()
        if not runs:
            return 0
        names = ", ".join(r.name for r in runs)
        answer = QMessageBox.question(
            self,
            "Delete runs",
            f"Move {len(runs)} run folder(s) to the trash?\n\n{names}{self._loaded_note(runs)}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return 0
        deleted = 0
        for_good: bool | None = None  # asked once, the first time the trash refuses
        for run in runs:
            if move_to_trash(run.folder):
                deleted += 1
                continue
            if for_good is None:
                for_good = (
                    QMessageBox.question(
                        self,
                        "No trash",
                        "The system trash is not available here. Delete for good?",
                        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    )
                    == QMessageBox.StandardButton.Yes
                )
            if not for_good:
                break
            try:
                delete_run(run.folder)
                deleted += 1
            except ValueError as err:
                QMessageBox.warning(self, "Cannot delete", str(err))
        self.refresh()
        return deleted
