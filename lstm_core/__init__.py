"""Models, cells, tokenizers and sampling for LSTM Studio. Plain PyTorch, no Qt.

The two names below load on first use: importing a light module of this package
(options, tokenizers) must not import torch, which the window loads behind its first paint.

- config.py: ModelConfig, the one dataclass every module is built from (each default, with why)
- options.py: option keys read strictly from people, leniently from old files
- cells.py: the notes' equations, one time step at a time; the fast paths are tested against it
- mingru.py: minGRU, the parallel-scan cell
- model.py: LanguageModel: LSTM, GRU, vanilla RNN or minGRU is a config flip
- tokenizer_api.py: what every tokenizer offers, below tokenizers and doc_tokens
- tokenizers.py: char, word and byte-level BPE tokenizers, each serialisable into a checkpoint
- doc_tokens.py: the end-of-document token, one id after a tokenizer's own
- chunking.py: where a text may be cut and still tokenise as the whole does
- hardware.py: device, native precision and kernel threads
- sampling.py: streaming generation and the sampling controls
- stepper.py: carrying a model's state through generation, a token at a time (the fused step)
- step_cells.py: the fused step's pointwise cell update (one sigmoid), for one row or many, to the same bits
- step_weights.py: the fused step's weights, laid out once per model
- step_rows.py: the fused step's state buffers
- step_threads.py: one kernel thread or all for a step, chosen by timing the first steps
- openmp_team.py: one call of one thread on one kernel thread, the other threads untouched
- int8_weights.py: int8 step weights: a quarter of the bytes to read per token
- batch_stepper.py: many rows of state through one recurrence (samples or beams)
- batch_sampling.py: many samples at once, each row with its own seed
- batch_rows.py: what each sample of a batch has written, kept in arrays, decoded at the end
- beam.py: beam search
- pair.py: the LSTM and the vanilla RNN answering the same prompt together
- pair_worker.py: the pair's second model in a process of its own, so that the two run in parallel
- measure/: the measurements that explain the models, one module each
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lstm_core.config import ModelConfig
    from lstm_core.model import LanguageModel

__all__ = ["LanguageModel", "ModelConfig"]


def __getattr__(name: str) -> Any:
    if name == "LanguageModel":
        from lstm_core.model import LanguageModel

        return LanguageModel
    if name == "ModelConfig":
        from lstm_core.config import ModelConfig

        return ModelConfig
    raise AttributeError(f"module 'lstm_core' has no attribute {name!r}")
