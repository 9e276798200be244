"""After a run: do its samples copy the corpus? One line when they do, with what to do.

The held-out loss can miss memorisation when the held-out text itself is repeated in the
corpus, and a run may never see its validation rise before its budget ends. Samples show it
directly: a model that has learnt its text's style writes new lines that share phrases with
it; one that has memorised it writes out whole passages. So a completed run that passed over
its text several times generates a few samples from its final weights and checks them
against the corpus (``copy_summary.measure_copying``).
"""

from __future__ import annotations

import torch

from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer
from training.checkpoints.run_meta import RunMeta
from training.copies.copy_check import copy_checker
from training.copies.copy_summary import CopySummary, measure_copying
from training.data.corpus import CorpusError

# Below this many passes over the training text a model has seen too little of any passage
# to write it out; checking would only cost the index.
CHECK_FROM_PASSES = 4.0
# Sampled text this far inside copied spans of 50+ characters, or one copied span this long,
# is memorisation (benchmarks/SWEEP.md, "Copies in samples").
MEMORISED_SHARE = 0.25
MEMORISED_SPAN_CHARS = 200
ADVICE = "More text, a smaller preset or more dropout helps."


def memorised_copies_message(summary: CopySummary) -> str | None:
    """One line when the samples copy the corpus wholesale; None when they do not."""
    longest = summary.longest.length if summary.longest is not None else 0
    if summary.copied_share < MEMORISED_SHARE and longest < MEMORISED_SPAN_CHARS:
        return None
    return (
        f"its samples copy the corpus: {summary.copied_share:.0%} of their text lies in copied "
        f"passages of {summary.min_chars}+ characters, the longest {longest:,} characters long, "
        f"so the model has memorised much of its corpus. {ADVICE}"
    )


def check_samples(model: LanguageModel, tokenizer: Tokenizer, meta: RunMeta, *, passes: float) -> str | None:
    """The memorisation line for a finished model, or None (also when the corpus's files
    are no longer all there to check against)."""
    if passes < CHECK_FROM_PASSES:
        return None
    try:
        checker = copy_checker(meta, tokenizer)
    except (CorpusError, OSError):
        return None
    model.eval()
    with torch.no_grad():
        return memorised_copies_message(measure_copying(checker, model))
