"""What happens to a run's models when it ends: offered, never forced on the person.

A run that ends becomes the loaded model only when nothing is loaded yet or the person
says so, with the two validation losses side by side; the built-in demo too is replaced
only when the person says so. A model no better than guessing
uniformly (ln of its vocabulary), or one the trainer stopped as diverged, is never
loaded silently. The RNN shown beside a model is always the one trained with it, or none.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from app import model_store, resources
from app.panels.training_panel import LAST_RUN_KEY
from app.window_guards import ask
from training.checkpoints.checkpoint import RNN_SUBDIR, CheckpointError, read_metadata
from training.checkpoints.run_history import chance_loss
from training.checkpoints.run_meta import RunMeta
from training.common.events import FinishedEvent
from training.run_spec import own_corpus

if TYPE_CHECKING:
    from app.window_parts import WindowParts


def unusable_reason(result: FinishedEvent, meta: RunMeta) -> str | None:
    """Why a finished model must not be loaded without a word, or None when it may be offered."""
    chance = chance_loss(meta.model.vocab_size) if meta.model else math.inf
    loss = meta.metrics.val_loss if meta.metrics.val_loss is not None else result.val_loss
    if result.diverged:
        return "training diverged"
    if loss is None or not math.isfinite(loss):
        return "its validation loss is not a number"
    if loss >= chance:
        return f"validation {loss:.3f} nats is no better than guessing uniformly ({chance:.2f})"
    return None


def comparison(new: RunMeta, current: model_store.LoadedModel) -> str:
    """ "validation 2.227 vs 1.822 now loaded", and whether the two numbers can be compared."""
    new_loss, old_loss = new.metrics.val_loss, current.val_loss
    new_text = f"{new_loss:.3f}" if new_loss is not None else "unknown"
    old_text = f"{old_loss:.3f}" if old_loss is not None else "unknown"
    line = f"Validation {new_text} nats/token vs {old_text} for {current.run_name} (now loaded)"
    same_corpus = (
        new.corpus.fingerprint == current.meta.corpus.fingerprint
        if new.corpus.fingerprint and current.meta.corpus.fingerprint
        else new.corpus.name == current.meta.corpus.name
    )
    if not same_corpus or new.level != current.meta.level:
        line += " — a different corpus or level, so the numbers do not compare directly"
    elif new_loss is not None and old_loss is not None:
        line += " — the new model is better" if new_loss < old_loss else " — the new model is worse"
    return line + "."


def train_rnn(window: WindowParts) -> None:
    """One click: a vanilla RNN of the loaded model's shape, on the model's own corpus."""
    main = window.models.main
    if main is None or window.training.running:
        return
    # The contrast is only fair on the LSTM's own corpus: prefer it to whatever is open.
    own = own_corpus(main.meta)
    if own is not None:
        paths = own
    else:
        corpus = window.corpus.current
        if corpus is None:
            QMessageBox.information(
                window.window(), "No corpus", "Open the corpus the model was trained on first."
            )
            return
        paths = tuple(corpus.paths)
        names = ", ".join(Path(p).name for p in paths)
        window.statusBar().showMessage(
            f"The model's own corpus is missing: the RNN trains on the open corpus, {names}", 15000
        )
    run_dir = main.path.parent
    if resources.is_inside_assets(run_dir):
        run_dir = window.data_dir / "runs" / f"{run_dir.name}-contrast"
    window.dashboard.train_rnn_for(main, paths, run_dir / RNN_SUBDIR)
    window.docks["training"].raise_()


def resume_run(window: WindowParts, folder: Path) -> None:
    """Runs ▸ Resume: the run continues in the Training dock, brought to the front."""
    window.dashboard.resume_run(folder)
    window.docks["training"].raise_()


def follow_renamed_run(window: WindowParts, old: Path, new: Path) -> None:
    """A run folder renamed in the Runs tab: what pointed into it points to its new name."""
    if window.settings.get_str(LAST_RUN_KEY) == str(old):
        window.settings.set_str(LAST_RUN_KEY, str(new))
    for model in (window.models.main, window.models.rnn):
        if model is not None and old in model.path.parents:
            window.open_model(new, remember=False)  # the loaded files moved with their folder
            break
    window.dashboard.set_corpus(window.dashboard.corpus_paths)  # Resume's text names the run


def handle_finished(window: WindowParts, results: list[FinishedEvent]) -> None:
    main = next((r for r in results if r.model != "rnn"), None)
    rnn = next((r for r in results if r.model == "rnn"), None)
    if main is not None:
        _offer_main(window, main, rnn)
    elif rnn is not None:
        _contrast_rnn(window, rnn)


def _offer_main(window: WindowParts, result: FinishedEvent, rnn: FinishedEvent | None) -> None:
    folder = Path(result.checkpoint).parent
    try:
        meta = read_metadata(result.checkpoint)
    except CheckpointError as err:
        window.statusBar().showMessage(f"The new model cannot be read: {err}", 15000)
        return
    reason = unusable_reason(result, meta)
    if reason is not None:
        window.unsaved_result = None  # nothing worth keeping to warn about
        QMessageBox.warning(
            window.window(),
            "Not loaded",
            f"The model of {folder.name} was not loaded: {reason}.\n\n"
            "The model you had stays loaded; the run stays in the Runs tab.",
        )
        return
    current = window.models.main
    # The loaded run itself, resumed: its file now holds the newer weights, so it reloads.
    same_run = current is not None and current.path.resolve() == Path(result.checkpoint).resolve()
    if current is not None and not same_run:
        question = f"Load the model of {folder.name}?\n\n{comparison(meta, current)}"
        worse = meta.metrics.val_loss is not None and current.val_loss is not None
        worse = worse and meta.metrics.val_loss > current.val_loss  # type: ignore[operator]
        worse = worse and not current.is_demo  # the demo's text is not theirs: losses do not compare
        if not ask(window.window(), "Load new model?", question, default_yes=not worse):
            window.unsaved_result = folder
            window.statusBar().showMessage(
                f"Kept {current.run_name}; {folder.name} is in the Runs tab.", 15000
            )
            return
    rnn_ok = rnn is not None and _rnn_usable(rnn)
    if window.open_model(result.checkpoint, with_companion=rnn_ok):
        window.unsaved_result = None
        if rnn is not None and not rnn_ok:
            window.statusBar().showMessage("The RNN diverged: not loaded for contrast.", 15000)


def _rnn_usable(result: FinishedEvent) -> bool:
    try:
        return unusable_reason(result, read_metadata(result.checkpoint)) is None
    except CheckpointError:
        return False


def _contrast_rnn(window: WindowParts, result: FinishedEvent) -> None:
    """An RNN trained for the loaded model (Train ▸ Train the RNN for Contrast)."""
    main = window.models.main
    if main is None:
        return
    if not _rnn_usable(result):
        window.statusBar().showMessage("The RNN diverged: not loaded for contrast.", 15000)
        return
    try:
        loaded = model_store.load(result.checkpoint)
    except CheckpointError as err:
        window.statusBar().showMessage(f"Cannot open the RNN: {err}", 15000)
        return
    window.models.put(loaded)
    if not resources.is_inside_assets(loaded.path):
        window.settings.add_recent_model(str(loaded.path))
        window.refresh_recent()
