"""The window's title: the loaded model and the open corpus, then the program, as
"shakespeare-0412 — hamlet.txt — LSTM Studio".

Qt's ``[*]`` follows the first name: an asterisk shows while the Generate tab's text has
changed since it was last saved (File ▸ Save Text As…). The title always ends with the
program's name, so Qt does not append it a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import APP_NAME
from app.corpus_counts import corpus_title

if TYPE_CHECKING:
    from app.model_store import LoadedModel
    from app.window_parts import TitleParts

SEPARATOR = " — "
MODIFIED = "[*]"  # where Qt draws the asterisk of a modified window


def title_text(model: str | None, corpus: str | None) -> str:
    """The title, "model — corpus — LSTM Studio", leaving out what is not there."""
    # Qt reads "[*][*]" as a literal "[*]": a name that holds one is not taken for the mark.
    names = [name.replace(MODIFIED, MODIFIED * 2) for name in (model, corpus) if name]
    if not names:
        return APP_NAME
    names[0] += MODIFIED
    return SEPARATOR.join([*names, APP_NAME])


def model_name(loaded: LoadedModel | None) -> str | None:
    """A model by its run, as the Runs tab names it."""
    if loaded is None:
        return None
    return "Built-in demo" if loaded.is_demo else loaded.path.parent.name


def refresh_title(window: TitleParts) -> None:
    """The title from what is loaded now; before the engine is there, the corpus alone."""
    main = window.models.main if window.ready else None
    corpus = window.corpus.current
    title = title_text(model_name(main), corpus_title(corpus.paths) if corpus is not None else None)
    window.setWindowTitle(title)
    text_changed = window.ready and window.generation.editor.document().isModified()
    # Qt warns of a modified window whose title has no [*]: only then is it marked.
    window.setWindowModified(MODIFIED in title and text_changed)
