"""A model card: what a checkpoint is, what it was trained on, and how well it does."""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget
from shiboken6 import isValid

from app.background import Background
from app.model_store import LoadedModel
from lstm_core.measure.throughput import Throughput, measure_throughput


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
    sections = {
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
            ("Text", corpus.description or None),
            ("Files", "\n".join(corpus.files) or None),
            ("Encodings", corpus.encodings or None),
            ("Tokens", f"{corpus.tokens:,}" if corpus.tokens else None),
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


class ModelCardDialog(QDialog):
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
        self.browser.setHtml(self._card)
        self._tasks = tasks  # the runner must outlive the measurement it runs
        if tasks is not None:
            # Timing takes a second or two of CPU: off the GUI thread, filled in when done.
            models = [m for m in (loaded, contrast) if m is not None]
            self.browser.setHtml(self._card + "<h3>Sequential bottleneck</h3><p>Measuring…</p>")
            tasks.run(
                lambda _report: [
                    measure_throughput(m.model, name=m.model.config.cell, steps=128) for m in models
                ],
                on_done=self._show_throughput,
                on_error=lambda message: self.browser.setHtml(self._card + f"<p>{html.escape(message)}</p>"),
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def _show_throughput(self, figures: list[Throughput]) -> None:
        if isValid(self.browser):  # the card may have been closed while timing ran
            self.browser.setHtml(self._card + bottleneck_html(figures))
