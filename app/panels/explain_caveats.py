"""What each Explain section's figures say about the loaded model, when that model was not
trained on the demo corpus the page measures on.

The recall probe asks for facts only the demo corpus states (a country early, its language
later): on a model trained on other text it measures nothing about memory, and scores
near or below chance. The gradient and gate figures are the model's own weights at work,
but on text foreign to it; the timings involve no text at all.
"""

from __future__ import annotations

from typing import Any

DEMO_CORPUS = "demo corpus"  # the description every run on the built-in demo text carries


def trained_on_demo(loaded: Any) -> bool:
    """The built-in demo's models, or a run trained on the demo corpus."""
    if getattr(loaded, "is_demo", False):
        return True
    return str(loaded.meta.corpus.name) == DEMO_CORPUS


def corpus_label(loaded: Any) -> str:
    name = str(loaded.meta.corpus.name)
    return f"“{name}”" if name else "another corpus"


def caveats(lstm: Any, rnn: Any) -> dict[str, str]:
    """One line per claim: which figures apply to the loaded models and which to the demo.

    Empty lines when every loaded model was trained on the demo corpus (nothing to warn of).
    """
    foreign = [m for m in (lstm, rnn) if m is not None and not trained_on_demo(m)]
    if not foreign:
        return dict.fromkeys(("vanishing", "exploding", "long", "bottleneck", "memory"), "")
    which = "the loaded models" if len(foreign) > 1 else f"the {foreign[0].model.config.cell.upper()}"
    names = f"{which} (trained on {' and '.join(sorted({corpus_label(m) for m in foreign}))})"
    its, it = ("their", "them") if len(foreign) > 1 else ("its", "it")
    on_demo = f"Measured on the demo text, not on what {names} learnt from"
    return {
        "vanishing": f"{on_demo}: the decay is {its} weights' own, the words are foreign to {it}.",
        "exploding": f"{on_demo}: the singular values are {its} weights' own, the curves' text is not.",
        "long": (
            f"Does not apply to {names}: this probe asks for facts only the demo corpus states, "
            f"so the scores here (even below chance) say nothing about {its} memory."
        ),
        "bottleneck": "Applies to the loaded models as they are: timing involves no text.",
        "memory": f"{on_demo}: {its} gates at work on text never seen in training.",
    }
