"""A model card: what a checkpoint is, what it was trained on, and how well it does."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget
from shiboken6 import isValid

from app.background import Background
from app.corpus_counts import trained_count
from app.model_store import LoadedModel
from lstm_core.measure.throughput import Throughput, measure_throughput
from training.copies.copy_check import copy_checker
from training.copies.copy_summary import CopySummary, measure_copying


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><td style='padding-right:14px;color:gray'>{html.escape(k)}</td>"
        f"<td>{html.escape(str(v))}</td></tr>"
        for k, v in pairs
        if v not in (None, "")
    )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def bottleneck_html(figures: list[Throughput]) -> str:
    """The sequential bottleneck on this machine: explicit steps, fused kernel, many streams."""
    rows = "".join(
        f"<tr><td style='padding-right:14px;color:gray'>{html.escape(f.name.upper())}</td>"
        f"<td align=right>{f.explicit_tokens_per_s:,.0f}</td><td align=right>{f.fused_tokens_per_s:,.0f}</td>"
        f"<td align=right>{f.fused_batch_tokens_per_s:,.0f}</td></tr>"
        for f in figures
    )
    batch = figures[0].batch if figures else 0
    return (
        "<h3>Sequential bottleneck (tokens/s, measured now on this machine)</h3>"
        "<table><tr><td></td><td style='padding:0 8px'>explicit cell</td><td style='padding:0 8px'>"
        f"fused kernel</td><td style='padding:0 8px'>fused, {batch} streams</td></tr>{rows}</table>"
        "<p>One stream cannot be sped up past the fused kernel: h<sub>t</sub> needs h<sub>t−1</sub>. "
        "Only independent streams run side by side.</p>"
    )


def model_card_html(loaded: LoadedModel) -> str:
    cfg = loaded.model.config
    meta = loaded.meta
    corpus, training, progress, metrics = meta.corpus, meta.training, meta.progress, meta.metrics
    sections: dict[str, list[tuple[str, object]]] = {
        "Architecture": [
            ("Cell", cfg.cell.upper()),
            ("Layers × hidden", f"{cfg.layers} × {cfg.hidden}"),
            ("Embedding", cfg.embed),
            ("Dropout", cfg.dropout),
            ("Tied embedding/head", "yes" if cfg.tie_weights else "no"),
            ("Parameters", f"{loaded.model.num_parameters():,}"),
        ],
        "Tokenizer": [("Level", loaded.tokenizer.level), ("Vocabulary", f"{loaded.tokenizer.vocab_size:,}")],
        "Corpus": [
            # The name alone when the count is kept: the count says what it counts (its
            # files' own characters, which the corpus panel shows, differ by the joins).
            ("Text", (corpus.name if corpus.chars is not None else corpus.description) or None),
            ("Characters", trained_count(corpus.chars, len(corpus.files))),
            ("Files", "\n".join(corpus.files) or None),
            ("Encodings", corpus.encodings or None),
            ("Tokens", f"{corpus.tokens:,}" if corpus.tokens else None),
            (
                "Held-out text",
                corpus.heldout_note() or (None if corpus.heldout_seen is None else "unseen in training"),
            ),
        ],
        "Training": [
            ("Steps", f"{progress.step:,}"),
            ("Training time", _duration(progress.train_seconds)),
            ("Budget", training.budget.describe() if training else None),
            (
                "Sequence length × batch",
                f"{training.seq_len} × {training.batch_size}" if training else None,
            ),
            ("Learning rate", training.lr if training else None),
            (
                "Gradient clipping",
                (f"at {training.grad_clip}" if training.grad_clip else "off") if training else None,
            ),
            ("Finished", "yes" if progress.done else "no (can be resumed)"),
        ],
        "Metrics (validation)": [
            ("Loss", f"{loaded.val_loss:.4f} nats/token" if loaded.val_loss is not None else "not measured"),
            (
                "Bits per character",
                f"{loaded.bits_per_char:.4f}" if loaded.bits_per_char is not None else None,
            ),
            ("Perplexity", f"{metrics.perplexity:.2f}" if metrics.perplexity else None),
            ("Tokens scored", f"{metrics.tokens_scored:,}" if metrics.tokens_scored else None),
            (
                "Training speed",
                f"{metrics.tokens_per_s:,.0f} tokens/s" if metrics.tokens_per_s else None,
            ),
        ],
        "File": [
            ("Checkpoint", str(loaded.path)),
            (
                "Saved",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(meta.saved_at)) if meta.saved_at else None,
            ),
        ],
    }
    body = "".join(
        f"<h3>{html.escape(name)}</h3><table>{_rows(rows)}</table>" for name, rows in sections.items()
    )
    return f"<h2>{html.escape(loaded.short_label())}</h2>{body}"


def copying_html(summary: CopySummary | str) -> str:
    """The copy figure: how much of a few fresh samples lies verbatim in the training text."""
    body = html.escape(summary if isinstance(summary, str) else summary.describe())
    return (
        "<h3>Copying (measured now on fresh samples)</h3>"
        f"<p>{body}</p><p style='color:gray'>A model that has learnt a style copies short phrases; "
        "one that has memorised its text copies whole lines.</p>"
    )


def _measure_copying(loaded: LoadedModel) -> CopySummary:
    return measure_copying(copy_checker(loaded.meta, loaded.tokenizer), loaded.model)


class ModelCardDialog(QDialog):
    """The card at once; the measured sections (bottleneck, copying) filled in off the GUI
    thread as each finishes."""

    def __init__(
        self,
        loaded: LoadedModel,
        parent: QWidget | None = None,
        *,
        contrast: LoadedModel | None = None,
        tasks: Background | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Model card — {loaded.path.parent.name}")
        self.browser = QTextBrowser()
        self._card = model_card_html(loaded)
        self._sections: dict[str, str] = {}
        self._tasks = tasks  # the runner must outlive the measurements it runs
        if tasks is not None:
            models = [m for m in (loaded, contrast) if m is not None]
            self._measure(
                "bottleneck",
                "Sequential bottleneck",
                lambda _report: [
                    measure_throughput(m.model, name=m.model.config.cell, steps=128) for m in models
                ],
                bottleneck_html,
            )
            self._measure("copying", "Copying", lambda _report: _measure_copying(loaded), copying_html)
        self._show()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def _measure(
        self, key: str, title: str, work: Callable[[Any], Any], render: Callable[[Any], str]
    ) -> None:
        self._sections[key] = f"<h3>{html.escape(title)}</h3><p>Measuring…</p>"

        def fill(section: str) -> None:
            self._sections[key] = section
            self._show()

        assert self._tasks is not None
        self._tasks.run(
            work,
            on_done=lambda result: fill(render(result)),
            on_error=lambda message: fill(f"<h3>{html.escape(title)}</h3><p>{html.escape(message)}</p>"),
            name=f"model card: {key}",
        )

    def _show(self) -> None:
        if isValid(self.browser):  # the card may have been closed while measuring
            self.browser.setHtml(self._card + "".join(self._sections.values()))
