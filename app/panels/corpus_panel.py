"""Left panel: choose a corpus, see what is in it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.background import Background, Job
from app.corpus_counts import FILES_TIP, corpus_line, files_count
from app.gil_handover import run_briskly
from app.panels.progress_bar import ProgressBar
from app.plot_style import mono_font
from lstm_core.options import OptionError
from lstm_core.tokenizers import LEVELS
from training.data.corpus_messages import file_names
from training.data.corpus_stats import CorpusStats, CorpusSummary, LoadedCorpus, count_level, read_corpus

STREAM = "stream"  # training.data.documents.STREAM, which needs torch: the panel works before it loads

# (shown, the value training.data.documents parses); a separator's text comes from its own field
DOCUMENT_KINDS = (
    ("stream", STREAM),
    ("one per file", "files"),
    ("one per line", "lines"),
    ("separator…", "separator"),
)

EMPTY_SEPARATOR = (
    "Documents is set to “separator…” but the Separator box in the Corpus panel is empty. "
    "Type the text that stands between two documents there (for example ---, or \\n\\n for a "
    "blank line), or choose another kind of Documents."
)

TEXT_FILTER = "Text files (*.txt *.md *.text *.csv *.py *.html);;All files (*)"


def describe(summary: CorpusSummary) -> str:
    """A corpus in one line: its files and their count, labelled as the files' own
    (``app.corpus_counts``), not the trained text's."""
    return corpus_line([f.path for f in summary.files], summary.chars)


def heading(summary: CorpusSummary) -> str:
    """The panel's heading: the files by name (their count has a row of its own)."""
    return file_names([f.path for f in summary.files], most=3)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class CorpusPanel(QWidget):
    loaded = Signal(object)  # LoadedCorpus: a corpus was read and is now current
    failed = Signal(str)  # the readable reason a corpus could not be read
    level_changed = Signal(str)  # "char", "word" or "bpe"
    counted = Signal(object)  # CorpusStats: a count at a newly chosen level is on show

    def __init__(self, tasks: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.current: LoadedCorpus | None = None
        self._busy = False
        self._job: Job | None = None  # the read or count under way; a newer one replaces it
        self._stop = threading.Event()

        open_files = QPushButton("Open Files…")
        open_files.clicked.connect(self.choose_files)
        open_folder = QPushButton("Open Folder…")
        open_folder.clicked.connect(self.choose_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(open_files)
        buttons.addWidget(open_folder)

        self.level = QComboBox()
        self.level.addItems(list(LEVELS))
        self.level.setToolTip("The unit the model reads and writes: characters, words or BPE pieces")
        self.level.currentTextChanged.connect(self._level_changed)

        self.documents_kind = QComboBox()
        for shown, value in DOCUMENT_KINDS:
            self.documents_kind.addItem(shown, value)
        self.documents_kind.setToolTip(
            "Train on one stream of text, or on documents that each end with an end-of-document "
            "token: generation then starts a fresh document and stops at its end"
        )
        self.separator = QLineEdit()
        self.separator.setPlaceholderText("e.g. --- or \\n\\n (a blank line)")
        self.separator.setToolTip("The text between documents; \\n is a line break, \\t a tab")
        self.documents_kind.currentIndexChanged.connect(self._documents_kind_changed)
        self._documents_kind_changed()

        self.name_label = QLabel("No corpus yet: open a file or folder, or drop one on the window.")
        self.name_label.setWordWrap(True)
        self.size_label, self.encoding_label = QLabel("–"), QLabel("–")
        self.chars_label = QLabel("–")
        self.chars_label.setToolTip(FILES_TIP)  # why wc -m, and a model card, count differently
        self.vocab_label, self.tokens_label = QLabel("–"), QLabel("–")
        self.warnings_label = QLabel("")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b36b00;")
        # Reading a big corpus takes a while: how far it got, and a way out.
        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading this corpus; the previous one stays")
        self.cancel_button.clicked.connect(self.cancel)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self._show_progress(False)

        form = QFormLayout()
        form.addRow("Level", self.level)
        form.addRow("Documents", self.documents_kind)
        form.addRow("Separator", self.separator)
        form.addRow("Size", self.size_label)
        form.addRow("Characters", self.chars_label)
        form.addRow("Encoding", self.encoding_label)
        form.addRow("Vocabulary", self.vocab_label)
        form.addRow("Tokens", self.tokens_label)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("A preview of the text appears here.")
        self.preview.setFont(mono_font())
        # Lines break between words only: the default also breaks inside one ("A / pache").
        self.preview.setWordWrapMode(QTextOption.WrapMode.WordWrap)

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.name_label)
        layout.addLayout(progress_row)
        layout.addLayout(form)
        layout.addWidget(self.warnings_label)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.preview, 1)

    # ---- choosing ----------------------------------------------------------------------
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open corpus files", "", TEXT_FILTER)
        if files:
            self.load(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of text files")
        if folder:
            self.load([folder])

    @property
    def busy(self) -> bool:
        return self._busy

    def load(self, paths: Sequence[str]) -> None:
        """Read in the background; a bad file ends in a dialog naming it and the reason."""
        paths = tuple(str(p) for p in paths)
        self._busy = True
        self.name_label.setText(f"Reading {', '.join(p.split('/')[-1] for p in paths)}…")
        level = self.level.currentText()
        self._start(
            lambda progress, stopped: read_corpus(paths, level, progress=progress, stopped=stopped),
            self._on_loaded,
            "read corpus",
        )

    def cancel(self) -> None:
        """Stop the read or count under way; what was shown before stays."""
        self._stop.set()

    def _start(self, work: Callable[..., object], on_done: Callable[[object], None], name: str) -> None:
        if self._job is not None:
            self._stop.set()  # the older job ends at its next chunk; its result is not wanted
        stop = self._stop = threading.Event()
        self.progress.setValue(0)
        self._show_progress(True)

        def finished(result: object) -> None:
            if job is self._job:
                self._job = None
                self._show_progress(False)
                on_done(result)

        def failed(message: str) -> None:
            if job is self._job:
                self._job = None
                self._show_progress(False)
                self._on_error(message)

        def progressed(fraction: object) -> None:
            # A replaced job's last reports are not this one's progress.
            if job is self._job and isinstance(fraction, float):
                self.progress.setValue(round(fraction * 1000))

        job = self._job = self.tasks.run(
            lambda report: run_briskly(work, report, stop.is_set),
            on_done=finished,
            on_error=failed,
            on_event=progressed,
            on_stop=stop.set,
            name=name,
        )

    def _show_progress(self, shown: bool) -> None:
        self.progress.setVisible(shown)
        self.cancel_button.setVisible(shown)

    def _on_loaded(self, result: object) -> None:
        self._busy = False
        if not isinstance(result, LoadedCorpus):  # cancelled
            self.name_label.setText(heading(self.current.corpus) if self.current else "Reading cancelled.")
            return
        self.current = result
        corpus = result.corpus
        self.name_label.setText(heading(corpus))
        self.name_label.setToolTip("\n".join(f.path for f in corpus.files))
        self.chars_label.setText(files_count(corpus.chars))
        self.size_label.setText(f"{human_size(corpus.size_bytes)} · {len(corpus.files)} file(s)")
        self.encoding_label.setText(corpus.encodings)
        self._show_stats(result.stats)
        self.warnings_label.setText("\n".join(corpus.warnings[:5]))
        self.preview.setPlainText(corpus.preview)
        self.loaded.emit(result)
        if result.stats.level != self.level.currentText():  # the level changed while it was read
            self._count_at(self.level.currentText())

    def _on_error(self, message: str) -> None:
        self._busy = False
        self.name_label.setText(heading(self.current.corpus) if self.current else "No corpus loaded.")
        QMessageBox.warning(self, "Corpus error", message)
        self.failed.emit(message)

    # ---- level -------------------------------------------------------------------------
    def _show_stats(self, stats: CorpusStats) -> None:
        if stats.level == "char":  # the model's vocabulary adds one token for unseen characters
            self.vocab_label.setText(f"{stats.vocab_size - 1:,} distinct characters")
        else:
            self.vocab_label.setText(f"{stats.vocab_size:,} {stats.level} tokens")
        approx = "≈ " if stats.estimated else ""
        self.tokens_label.setText(f"{approx}{stats.tokens:,}")

    def _level_changed(self, level: str) -> None:
        self.level_changed.emit(level)
        if not self._busy:  # else the read under way counts again at this level when it ends
            self._count_at(level)

    def _count_at(self, level: str) -> None:
        current = self.current
        if current is None:
            return
        self.vocab_label.setText("counting…")
        self.tokens_label.setText("counting…")

        def done(stats: object) -> None:
            if not isinstance(stats, CorpusStats):  # cancelled
                self.vocab_label.setText("not counted")
                self.tokens_label.setText("not counted")
            elif self.level.currentText() == stats.level:
                self._show_stats(stats)
                self.counted.emit(stats)

        self._start(
            lambda progress, stopped: count_level(current.corpus, level, progress=progress, stopped=stopped),
            done,
            "corpus stats",
        )

    # ---- documents ---------------------------------------------------------------------
    def _documents_kind_changed(self, _index: int = 0) -> None:
        self.separator.setEnabled(self.documents_kind.currentData() == "separator")

    def documents(self) -> str:
        """The choice as RunSpec.documents reads it: stream, files, lines or separator:TEXT."""
        kind = str(self.documents_kind.currentData())
        return f"separator:{self.separator.text()}" if kind == "separator" else kind

    def documents_problem(self) -> str:
        """Why the documents choice cannot start a run (an empty separator), or "". Said in
        the panel's words: the engine's own message gives the command line's syntax."""
        from training.data.documents import DocumentMode

        if self.documents_kind.currentData() == "separator" and not self.separator.text():
            return EMPTY_SEPARATOR
        try:
            DocumentMode.parse(self.documents())
        except OptionError as err:
            return str(err)
        return ""

    def set_level(self, level: str) -> None:
        if level != self.level.currentText():
            self.level.setCurrentText(level)
