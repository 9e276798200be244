"""Help ▸ User Guide: the guide shipped with the program, read inside the window.

Shown in a text browser of its own (Markdown as Qt renders it), so it opens the same on
every system, with or without a program registered for .md files; a link to another page
opens that page in the same window. Where no guide
is shipped (``app.resources.user_guide`` is None), a few key points instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from app import resources

KEY_POINTS = (
    "<b>LSTM Studio in five steps</b><ol>"
    "<li>Open your text: File ▸ Open Corpus Files… or Open Corpus Folder…, or drop files on the window.</li>"
    "<li>Pick a preset in the Training dock and press Start (F5). The curves show the loss falling; "
    "Stop (Shift+F5) keeps what was learnt.</li>"
    "<li>When the run ends, load its model, then type a prompt and press Generate (Ctrl+Enter). "
    "While you type, a grey suggestion follows the caret: Tab accepts it.</li>"
    "<li>LSTM vs RNN compares the two models on one prompt; Explain and Gates show what the LSTM learnt.</li>"
    "<li>The Runs tab lists every run: open, resume, rename or delete them.</li></ol>"
    "Help ▸ Keyboard Shortcuts (F1) lists every key."
)


class GuideDialog(QDialog):
    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User Guide")
        self.path = path
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)  # web links go to the browser; page links stay here
        path.read_bytes()  # unreadable: OSError now, for the caller to report, not a blank page
        # Loaded as a source (not as text) so that the pages' relative links and pictures
        # resolve beside the file, and Back follows them; Qt reads .md as Markdown.
        self.browser.setSource(QUrl.fromLocalFile(str(path)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(820, 760)


def show_user_guide(parent: QWidget) -> QDialog | None:
    """The guide in a window of its own (left open beside the main one); None when only the
    key points could be shown."""
    shown = parent.findChild(GuideDialog)
    if shown is not None:  # one guide window: asked again, it comes to the front
        shown.show()
        shown.raise_()
        shown.activateWindow()
        return shown
    path = resources.user_guide()
    if path is None:
        QMessageBox.information(parent, "User guide", KEY_POINTS)
        return None
    try:
        dialog = GuideDialog(path, parent)
    except OSError as err:
        QMessageBox.information(parent, "User guide", f"{KEY_POINTS}<br><br>({path}: {err.strerror or err})")
        return None
    dialog.show()
    return dialog
