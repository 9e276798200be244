"""The Gates page's text before a person types one.

For the built-in demo, the demo's sentence: a country early, its language asked for at the
end, which is what the demo's gates learnt to carry. For any other model, a passage of the
held-out end of its own corpus, so that the gates are watched on the kind of text the model
knows (a char model on Python code, a word model on prose); when that corpus is no longer
on this computer, the demo's sentence again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from app.panels.insight_sections import held_out_text
from training.run_spec import own_corpus

DEMO_PROMPT = "I grew up in India. The bus was late. The cat found an old book. I speak"
# A few lines of code or a paragraph of prose: the trace reads at most 256 tokens, and the
# heatmaps stay readable at that width.
PASSAGE_CHARS = 300


def reads_own_text(loaded: Any) -> bool:
    """Whether the page's text comes from the model's own corpus (cheap: file checks only)."""
    return not getattr(loaded, "is_demo", False) and own_corpus(loaded.meta) is not None


def passage(text: str, size: int = PASSAGE_CHARS) -> str:
    """About ``size`` characters from the middle of ``text``, starting at a line (or word)
    start and ending at a line (or word) end, so that neither end cuts a word in two."""
    if len(text) <= size:
        return text.strip("\n")
    middle = (len(text) - size) // 2
    newline = text.find("\n", middle, middle + size // 2)
    space = text.find(" ", middle, middle + size // 2)
    begin = newline + 1 if newline >= 0 else space + 1 if space >= 0 else middle
    end = begin + size
    cut = text.rfind("\n", begin + size // 2, end)
    if cut < 0:
        cut = text.rfind(" ", begin + size // 2, end)
    return text[begin : cut if cut > 0 else end].strip("\n")


def own_passage(loaded: Any) -> str:
    """A passage of the model's held-out text; runs in the background (it reads the corpus)."""
    text, _where = held_out_text(loaded)
    return passage(text)


class DefaultText:
    """Which text the page's box holds: the person's once they type, else the model's default.

    A passage is read in the background with the page's next trace (``pending`` names the
    model it is read from); the demo's sentence is set at once."""

    def __init__(self, box: QPlainTextEdit) -> None:
        self.box = box
        self.edited = False  # the person typed or pasted the text: a model change keeps it
        self.pending: Any = None  # the model whose passage the next trace reads first
        self._filling = False  # the page itself is setting the text: not the person's edit
        box.textChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._filling:  # an emptied box takes the next model's text again
            self.edited = bool(self.box.toPlainText().strip())

    def fill(self, text: str) -> None:
        self._filling = True
        try:
            self.box.setPlainText(text)
            self.box.moveCursor(QTextCursor.MoveOperation.End)  # the trace reads up to the caret
        finally:
            self._filling = False

    def choose(self, main: Any) -> None:
        """The default for ``main`` (the pair's first model; None: none loaded)."""
        if self.edited:
            return
        self.pending = main if main is not None and reads_own_text(main) else None
        if self.pending is None:
            self.fill(DEMO_PROMPT)
        else:
            self.fill("")
            self.box.setPlaceholderText("A passage of the model's own held-out text comes here…")

    def arrived(self, model: Any, text: str | None) -> None:
        """A passage read for ``model`` (None: none was): shown unless the person typed meanwhile,
        or newer models came."""
        if text is None or model is not self.pending:
            return
        self.pending = None
        if not self.edited:
            self.fill(text)
