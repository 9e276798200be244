"""What a checkpoint says about its run, as one typed value.

Every checkpoint carries this as JSON beside its tensors (``training/checkpoints/checkpoint.py``
writes and reads it). Writers build a ``RunMeta``; readers get one back from
``RunMeta.from_dict``, which is lenient: a checkpoint written by an older version,
or a shipped weights-only one, lacks sections or has keys this version dropped, and
still loads with the defaults below.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from lstm_core.config import ModelConfig
from training.common.config import TrainConfig

HISTORY_KEPT = 200  # validation points kept in the metadata: a curve, not a log


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# Below this share of held-out text also in training, the overlap is common phrases, not repeats.
NOTABLE_SEEN = 0.01


@dataclass(frozen=True)
class CorpusInfo:
    files: tuple[str, ...] = ()  # as given when the run started (absolute where they were)
    # The folder the relative names in `files` were read from, so they are found again from any
    # other working folder; empty where every name is absolute (or for older runs).
    working_folder: str = ""
    chars: int | None = None
    tokens: int | None = None  # training + validation tokens
    encodings: str = ""
    description: str = ""
    fingerprint: str = ""  # a hash of the files' contents: tells the same corpus from another
    documents: str = "stream"  # how the text was cut into documents (training/data/documents.py)
    # The share of the held-out text that also occurs in training (training/data/overlap.py),
    # and whether validation scored only the rest; None: not measured (older runs).
    heldout_seen: float | None = None
    heldout_cut: bool = False

    def heldout_note(self) -> str:
        """One line on how honest the validation figure is; empty when nothing is to be said."""
        if self.heldout_seen is None or self.heldout_seen < NOTABLE_SEEN:
            return ""
        said = f"{self.heldout_seen:.1%} of the held-out text also appears in training"
        if self.heldout_cut:
            return f"{said}; validation scores only the rest"
        return f"{said}, too much to cut out: the validation loss flatters the model"

    def where_read(self, name: str) -> Path:
        """Where the run read one of its `files`: a relative name under its working folder."""
        if self.working_folder and not Path(name).is_absolute():
            return Path(self.working_folder) / name
        return Path(name)

    @property
    def name(self) -> str:
        """A short name for labels: the description up to its size, e.g. "tinyshakespeare.txt"."""
        return self.description.split(" (")[0]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorpusInfo:
        files = data.get("files") or _unpacked(data.get(PACKED_FILES_KEY))
        return cls(
            files=tuple(str(f) for f in files) if isinstance(files, (list, tuple)) else (),
            working_folder=str(data.get("working_folder") or ""),
            chars=data.get("chars") if isinstance(data.get("chars"), int) else None,
            tokens=data.get("tokens") if isinstance(data.get("tokens"), int) else None,
            encodings=str(data.get("encodings") or ""),
            description=str(data.get("description") or ""),
            fingerprint=str(data.get("fingerprint") or ""),
            documents=str(data.get("documents") or "stream"),
            heldout_seen=float(seen) if isinstance(seen := data.get("heldout_seen"), (int, float)) else None,
            heldout_cut=bool(data.get("heldout_cut", False)),
        )


@dataclass(frozen=True)
class Progress:
    step: int = 0
    chunk_index: int = 0  # position in the stream layout, for exact resume
    train_seconds: float = 0.0  # pauses excluded
    done: bool = True  # budget used up (or weights-only): nothing to resume
    processes: int = 1  # that trained it (torchrun's world size): each took a batch per step

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Progress:
        return cls(
            step=int(data.get("step", 0)),
            chunk_index=int(data.get("chunk_index", 0)),
            train_seconds=float(data.get("train_seconds", 0.0)),
            done=bool(data.get("done", True)),
            processes=max(1, int(data.get("processes", 1))),
        )


@dataclass(frozen=True)
class ValidationPoint:
    step: int
    seconds: float
    val_loss: float
    bits_per_char: float


@dataclass(frozen=True)
class Metrics:
    val_loss: float | None = None  # nats per token of the last validation
    bits_per_char: float | None = None
    perplexity: float | None = None
    tokens_scored: int | None = None  # held-out tokens the last validation scored
    tokens_per_s: float | None = None  # training speed
    history: tuple[ValidationPoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = [asdict(p) for p in self.history[-HISTORY_KEPT:]]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        history = []
        for point in data.get("history") or ():
            try:
                history.append(
                    ValidationPoint(
                        int(point["step"]),
                        float(point["seconds"]),
                        float(point["val_loss"]),
                        float(point["bits_per_char"]),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue  # a damaged point costs that point, not the checkpoint
        # Older checkpoints wrote the evaluator's own names: loss_nats and tokens.
        tokens = data.get("tokens_scored", data.get("tokens"))
        return cls(
            val_loss=_float(data.get("val_loss", data.get("loss_nats"))),
            bits_per_char=_float(data.get("bits_per_char")),
            perplexity=_float(data.get("perplexity")),
            tokens_scored=tokens if isinstance(tokens, int) else None,
            tokens_per_s=_float(data.get("tokens_per_s")),
            history=tuple(history),
        )


@dataclass(frozen=True)
class RunMeta:
    name: str = ""  # which model of the run: "lstm", "rnn", "gru"
    level: str = "char"  # the tokenizer's level
    model: ModelConfig | None = None  # filled from the model itself when saved
    training: TrainConfig | None = None  # None: shipped weights carry no recipe
    corpus: CorpusInfo = field(default_factory=CorpusInfo)
    progress: Progress = field(default_factory=Progress)
    metrics: Metrics = field(default_factory=Metrics)
    saved_at: float | None = None  # seconds since the epoch
    curriculum: tuple[tuple[int, int], ...] = ()  # demo models: (largest gap, steps) stages

    @property
    def resumable(self) -> bool:
        return not self.progress.done and self.training is not None

    def updated(self, **changes: Any) -> RunMeta:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "model": self.model.to_dict() if self.model is not None else None,
            "training": self.training.to_dict() if self.training is not None else None,
            "corpus": _files_packed({**asdict(self.corpus), "files": list(self.corpus.files)}),
            "progress": asdict(self.progress),
            "metrics": self.metrics.to_dict(),
            "saved_at": self.saved_at,
            "curriculum": [list(stage) for stage in self.curriculum],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunMeta:
        """Lenient: missing sections take their defaults, unknown keys are ignored."""
        model = _section(data, "model")
        training = _section(data, "training")
        return cls(
            name=str(data.get("name") or ""),
            level=str(data.get("level") or _section(data, "tokenizer").get("level") or "char"),
            model=ModelConfig.from_stored(model) if model else None,
            training=TrainConfig.from_stored(training) if training else None,
            corpus=CorpusInfo.from_dict(_section(data, "corpus")),
            progress=Progress.from_dict(_section(data, "progress")),
            metrics=Metrics.from_dict(_section(data, "metrics")),
            saved_at=_float(data.get("saved_at")),
            curriculum=_stages(data.get("curriculum")),
        )


# A corpus of many files keeps their names compressed in every checkpoint: 50,000 paths are
# about 1.5 MB of JSON in the header each save and each read of it, and a tenth of that packed.
PACKED_FILES_KEY = "files_zlib"
PACK_FILES_ABOVE = 1000


def _files_packed(corpus: dict[str, Any]) -> dict[str, Any]:
    files = corpus["files"]
    if len(files) <= PACK_FILES_ABOVE:
        return corpus
    packed = base64.b64encode(zlib.compress(json.dumps(files).encode(), 9)).decode()
    return {**corpus, "files": [], PACKED_FILES_KEY: packed}


def _unpacked(value: Any) -> list[Any]:
    """The file names a checkpoint packed; none when there are none or they do not unpack."""
    if not isinstance(value, str):
        return []
    try:
        files = json.loads(zlib.decompress(base64.b64decode(value)))
    except (ValueError, zlib.error):
        return []
    return files if isinstance(files, list) else []


def _stages(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, Sequence):
        return ()
    try:
        return tuple((int(a), int(b)) for a, b in value)
    except (TypeError, ValueError):
        return ()
