"""The Generate tab's arrangement: the editor takes most of the height at every window size.

At 1280×720 the tab is about 700 pixels wide and 370 high. Stacked at their usual heights, the
prompt under its label, the eight sampling fields (two rows), two rows of buttons, the editor
with the next-token view beside it, and two lines of text below needed 490: the page scrolled
and the controls left the screen. Now the placeholder names the prompt, which gives up a line
before anything else shrinks; the buttons keep to one row; the column beside the editor
scrolls inside itself; the five alternatives open in a pane under the editor only when asked
for; the copy-check line takes no room until there is something to say; and the margins are
narrow.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.panels.alternatives_view import AlternativesPane, editor_and_alternatives

PROMPT_LINES = (2, 3)  # the prompt box's height in lines: at the least, and when there is room
SPLIT_SHARE = 6  # of the spare height, against the prompt's 1 (which stops at its third line)
SPACING = 4  # pixels between the rows and around the page: every one goes to the editor


class QuietLabel(QLabel):
    """A word-wrapped line that is hidden while it has nothing to say."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setVisible(bool(text))

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


class PromptBox(QPlainTextEdit):
    """Two lines high, growing to three when the page has room to spare: the editor below
    is the one to keep its height on a short page."""

    def __init__(self) -> None:
        super().__init__()
        self.setMaximumHeight(self._lines_high(PROMPT_LINES[1]))

    def _lines_high(self, lines: int) -> int:
        return self.fontMetrics().lineSpacing() * lines + 14

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._lines_high(PROMPT_LINES[0]))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._lines_high(PROMPT_LINES[0]))


def side_column(candidates: QWidget) -> QScrollArea:
    """The next-token view beside the editor, scrolling when the editor is short."""
    side = QWidget()
    column = QVBoxLayout(side)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(QLabel("Next token at the caret"))
    column.addWidget(candidates, 1)
    area = QScrollArea()
    area.setWidget(side)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # As narrow as the column itself may be, not as narrow as a scroll area may be.
    area.setMinimumWidth(side.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    return area


def lay_out(
    panel: QWidget,
    rows: list[QWidget | QLayout],
    editor: QWidget,
    side: QWidget,
    alternatives: AlternativesPane,
    copy_line: QWidget,
    last_row: tuple[QLabel, QWidget],
) -> QSplitter:
    """``rows`` (prompt, fields, buttons) above the editor and its side column, with the
    alternatives' pane under both, which take what height is left; under them the copy
    check, then the status line with the suggestion switch at its right (in the row of
    buttons it made that row wrap at 1280×720)."""
    status, switch = last_row
    status.setWordWrap(True)
    last = QHBoxLayout()
    last.setSpacing(SPACING * 3)
    last.addWidget(status, 1)
    last.addWidget(switch, 0, Qt.AlignmentFlag.AlignTop)
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(editor)
    split.addWidget(side)
    split.setStretchFactor(0, 4)
    split.setStretchFactor(1, 1)
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
    layout.setSpacing(SPACING)
    for row in rows:
        if isinstance(row, QLayout):
            layout.addLayout(row)
        else:  # the prompt box: a share of the spare height, up to its third line
            layout.addWidget(row, 1 if isinstance(row, PromptBox) else 0)
    layout.addWidget(editor_and_alternatives(split, alternatives), SPLIT_SHARE)
    layout.addWidget(copy_line)
    layout.addLayout(last)
    return split
