"""What a resume may change, checked before any training: a run's model shape and
tokenizer are fixed, and it goes on with the text it was trained on unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_core.tokenizers import Tokenizer
from training.checkpoints.run_meta import RunMeta
from training.run_spec import RunSpec


class ResumeError(ValueError):
    """A resume that would silently change what the run is; the message says what differs."""


def check_resume(spec: RunSpec, meta: RunMeta, *, fingerprint: str, corpus_description: str) -> None:
    """Raise ResumeError naming every difference between the run and what was asked."""
    folder = Path(spec.out_dir)
    assert meta.model is not None  # load_checkpoint checks it
    differences = [
        f"{key} is {getattr(meta.model, key)}, not {value}"
        for key, value in spec.model_options.items()
        if getattr(meta.model, key) != value
    ]
    if spec.level_given and spec.level != meta.level:
        differences.append(f"its tokenizer is {meta.level}-level, not {spec.level}-level")
    if differences:
        raise ResumeError(
            f"cannot resume {folder}: its model is fixed and "
            + "; ".join(differences)
            + ". Leave those options out to resume it, or train into a new folder"
        )
    same_text = not meta.corpus.fingerprint or meta.corpus.fingerprint == fingerprint
    if not same_text and not spec.allow_new_corpus:
        trained_on = meta.corpus.description or "another text"
        raise ResumeError(
            f"cannot resume {folder}: it was trained on {trained_on}, and the text given now "
            f"({corpus_description}) is different. To go on training on the new text with the "
            "run's own tokenizer, allow a new corpus (CLI: --allow-new-corpus)"
        )


# Tokens compared at a time: comparing a gigabyte of memory-mapped ids at once made a
# gigabyte-sized array of flags on top of the ids' own pages.
_UNKNOWN_BLOCK = 1 << 20
# Beyond this many tokens the share is measured on blocks spread evenly over the text: the
# pages of a memory map that are read count as the process's memory until it is closed, so
# reading 10 GB of ids to print one percentage would hold 10 GB. 64 blocks of a million
# tokens give the share to within a fraction of a percent.
_UNKNOWN_SAMPLE_BLOCKS = 64


def unknown_share(tokens: np.ndarray, tokenizer: Tokenizer) -> float:
    """The fraction of tokens the tokenizer could not represent (0 where nothing is unknown),
    counted a block at a time, on evenly spread blocks for a long text."""
    if tokenizer.unk_id is None or len(tokens) == 0:
        return 0.0
    blocks = -(-len(tokens) // _UNKNOWN_BLOCK)
    if blocks <= _UNKNOWN_SAMPLE_BLOCKS:
        starts = range(0, len(tokens), _UNKNOWN_BLOCK)
    else:
        starts = range(0, len(tokens), len(tokens) // _UNKNOWN_SAMPLE_BLOCKS)
    unknown = counted = 0
    for at in starts:
        block = tokens[at : at + _UNKNOWN_BLOCK]
        unknown += int(np.count_nonzero(block == tokenizer.unk_id))
        counted += len(block)
    return unknown / max(1, counted)
