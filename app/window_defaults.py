"""What the window opens at start and lists under File ▸ Recent, once the engine is there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from app.window_parts import WindowParts
    from training.data.corpus_stats import LoadedCorpus


def load_defaults(window: WindowParts) -> None:
    """First launch: the demo corpus and models. Later: whatever was last used."""
    from app import resources
    from app.model_files import MAIN_MODEL_KEY

    recent = window.settings.recent_corpora()
    corpus = recent[0] if recent else None
    if corpus is None or not all(Path(p).exists() for p in corpus):
        demo = resources.demo_corpus()
        corpus = [str(demo)] if demo else None
    chosen = window.corpus.busy or window.corpus.current is not None  # while the engine loaded
    if corpus and not chosen:
        window.open_corpus(corpus, remember=bool(recent and corpus == recent[0]))
    main = window.settings.get_str(MAIN_MODEL_KEY)
    if main and Path(main).is_file() and window.open_model(main, quiet=True):
        return
    for cell in ("lstm", "rnn"):
        path = resources.demo_model(cell)
        if path is not None:
            window.open_model(path, quiet=True, with_companion=False, remember=False)


def use_corpus(window: WindowParts, loaded: LoadedCorpus, *, remember: bool) -> None:
    """A corpus has loaded and the engine is there: train on it, and list it under Recent."""
    from app import resources

    window.dashboard.set_corpus(loaded.paths)
    if remember and not all(resources.is_inside_assets(p) for p in loaded.paths):
        window.settings.add_recent_corpus(list(loaded.paths))
        window.refresh_recent()


def refresh_recent(window: WindowParts) -> None:
    """Both Recent menus; the models' only once the engine is there to open one."""
    refresh_recent_corpora(window)
    models = window.settings.recent_models()
    fill_recent(
        window.recent_models_menu, models, recent_model_labels(models), lambda entry: window.open_model(entry)
    )


def refresh_recent_corpora(window: WindowParts) -> None:
    """File ▸ Recent Corpora: reading a corpus needs no engine, so it works from the first frame."""
    corpora = window.settings.recent_corpora()
    fill_recent(
        window.recent_corpora_menu,
        ["\n".join(c) for c in corpora],
        [", ".join(Path(p).name for p in c) for c in corpora],
        lambda entry: window.open_corpus(entry.split("\n")),
    )


def fill_recent(
    menu: QMenu, entries: list[str], labels: list[str], open_entry: Callable[[str], object]
) -> None:
    menu.clear()
    for entry, label in zip(entries, labels, strict=True):
        action = menu.addAction(label)
        action.setToolTip(entry)
        action.triggered.connect(lambda _checked=False, e=entry: open_entry(e))
    menu.setEnabled(bool(entries))
    # A QMenu passes its state to its item in the parent menu only when that state changes;
    # engine_waiting greys the item alone, so a menu that stayed enabled left it grey for good.
    menu.menuAction().setEnabled(bool(entries))


def recent_model_labels(paths: list[str]) -> list[str]:
    """Each checkpoint by its run: "shakespeare-0412", "shakespeare-0412 (RNN)"; where two
    runs share a name, the folder above tells them apart."""

    def label(path: Path, depth: int) -> str:
        run = path.parent.parent if path.parent.name == "rnn" else path.parent
        name = "/".join(p.name for p in reversed([run, *run.parents][:depth]) if p.name)
        return f"{name} (RNN)" if path.parent.name == "rnn" else name

    files = [Path(p) for p in paths]
    labels = [label(f, 1) for f in files]
    for depth in (2, 3, 4):
        clashes = {x for x in labels if labels.count(x) > 1}
        if not clashes:
            break
        labels = [label(f, depth) if x in clashes else x for f, x in zip(files, labels, strict=True)]
    return labels
