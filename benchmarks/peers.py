"""The Quick preset against char-rnn's 2015 recipe, at equal training time, on one machine.

For each corpus the text is split at 90 %: both train on the first part only and are
scored on the last 10 % by the same stateful evaluation (``training.loop.evaluate``), as
``lstm-studio evaluate`` scores it. The peer is a plain loop written here with
char-rnn's defaults: a 2×128 LSTM, sequences of 50, batches of 50, RMSprop (lr 2e-3,
decay 0.95), each gradient element clipped to ±5, the state carried between batches,
float32. The Quick preset runs through the product's own trainer (which holds out a
twentieth of what it is given for its own validation: it trains on less text than the peer).

Corpora: tinyshakespeare (from ../shared/data, skipped when absent) and Python's own
standard-library sources (built here, a different kind of text).

    python -m benchmarks.peers [--seconds 90] [--long] [--corpus shakespeare|python]

``--long`` trains 300 s each and runs the Balanced preset beside Quick.
"""

from __future__ import annotations

import argparse
import random
import sysconfig
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import torch
from torch import nn

from benchmarks.common import SHAKESPEARE, hardware_line, row
from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import CharTokenizer, Tokenizer
from training.common.events import NoteEvent
from training.data.ingest import ingest_corpus
from training.loop.evaluate import evaluate_tokens
from training.run import run_training
from training.run_spec import RunSpec

TARGET_MARGIN = 0.10  # Quick must beat the peer by at least this many nats/char
PYTHON_CHARS = 4_000_000


def python_sources(chars: int = PYTHON_CHARS) -> str:
    """Standard-library sources (not their tests), in a fixed shuffled order, up to ``chars``.

    Shuffled because in path order the last tenth, the part scored, was the codec tables of
    ``encodings/``, text unlike the rest: the product's trainer keeps its own last tenth of
    the training text for validation and so never saw any of them, while the plain loop
    trained on their first files, and the comparison measured that instead of the training.
    """
    paths = sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))
    random.Random(0).shuffle(paths)
    parts, total = [], 0
    for path in paths:
        if "test" in path.parts or "tests" in path.parts or "site-packages" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        parts.append(text)
        total += len(text)
        if total >= chars:
            break
    return "\n\n".join(parts)[:chars]


def char_rnn_loop(
    text: str, seconds: float, *, seed: int = 0, max_steps: int | None = None
) -> tuple[LanguageModel, Tokenizer, int]:
    """char-rnn's defaults in a plain loop, trained for ``seconds`` (or ``max_steps``);
    (model, tokenizer, steps)."""
    torch.manual_seed(seed)
    tokenizer = CharTokenizer.train(text)
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    batch, seq = 50, 50
    columns = (len(ids) - 1) // batch
    x_all = ids[: batch * columns].view(batch, columns)
    y_all = ids[1 : batch * columns + 1].view(batch, columns)
    config = ModelConfig(vocab_size=tokenizer.vocab_size, layers=2, hidden=128, embed=tokenizer.vocab_size)
    model = LanguageModel(config)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=2e-3, alpha=0.95)
    state, start, steps, deadline = None, 0, 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline and (max_steps is None or steps < max_steps):
        if start + seq > columns:
            state, start = None, 0  # a new pass over the text starts from a fresh state
        x, y = x_all[:, start : start + seq], y_all[:, start : start + seq]
        out = model(x, state, y)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), 5.0)
        optimizer.step()
        state = tuple(s.detach() for s in out.state)
        start += seq
        steps += 1
    return model.eval(), tokenizer, steps


def score(model: LanguageModel, tokenizer: Tokenizer, heldout: Path) -> float:
    corpus = ingest_corpus([heldout], tokenizer=tokenizer, min_chars=2)
    return evaluate_tokens(model, np.asarray(corpus.tokens), chars=corpus.chars).loss_nats


def _preset_loss(
    preset: str, train: Path, heldout: Path, seconds: float, out: Path
) -> tuple[float, int, list[str]]:
    """(held-out loss, steps, what the preset said it chose) for ``preset`` trained ``seconds``."""
    from training.checkpoints.checkpoint import load_model

    spec = RunSpec(paths=(str(train),), out_dir=out, preset=preset, train_options={"minutes": seconds / 60})
    notes: list[str] = []
    result = run_training(
        spec, on_event=lambda e: notes.extend([e.message] if isinstance(e, NoteEvent) else [])
    )[0]
    model, tokenizer, _ = load_model(result.checkpoint)
    return score(model, tokenizer, heldout), result.steps, notes


def compare(name: str, text: str, seconds: float, presets: tuple[str, ...] = ("quick",)) -> dict[str, float]:
    """Each preset minus the peer, in nats/char on the held-out tenth (negative: the preset is
    better). The peer trains once for all of them."""
    cut = int(len(text) * 0.9)
    print(f"{name}: {len(text):,} characters, last 10 % scored; {seconds:.0f} s of training each", flush=True)
    differences = {}
    with TemporaryDirectory(prefix="lstm-studio-peers-") as tmp:
        train, heldout = Path(tmp) / "train.txt", Path(tmp) / "heldout.txt"
        train.write_text(text[:cut], encoding="utf-8")
        heldout.write_text(text[cut:], encoding="utf-8")
        peer, peer_tok, peer_steps = char_rnn_loop(text[:cut], seconds)
        peer_loss = score(peer, peer_tok, heldout)
        row(
            "char-rnn defaults (2×128, RMSprop), plain loop",
            f"{peer_loss:.3f} nats/char",
            f"{peer_steps} steps",
        )
        for preset in presets:
            loss, steps, notes = _preset_loss(preset, train, heldout, seconds, Path(tmp) / preset)
            label = preset.capitalize()
            row(f"{label} preset, the product's trainer", f"{loss:.3f} nats/char", f"{steps} steps")
            for note in notes:
                print(f"    {note}")
            differences[preset] = loss - peer_loss
            verdict = "met" if differences[preset] <= -TARGET_MARGIN else "MISSED"
            row(
                f"{label} − char-rnn",
                f"{differences[preset]:+.3f}",
                f"{verdict} (target ≤ −{TARGET_MARGIN:.2f})",
            )
    return differences


def run(seconds: float, presets: tuple[str, ...] = ("quick",), corpus: str | None = None) -> dict[str, float]:
    """Each preset against the peer on each corpus; {"corpus/preset": difference}."""
    corpora = []
    if corpus in (None, "shakespeare"):
        if SHAKESPEARE.exists():
            corpora.append(("tinyshakespeare", SHAKESPEARE.read_text(encoding="utf-8")))
        else:
            print(f"tinyshakespeare: {SHAKESPEARE} not found; skipped")
    if corpus in (None, "python"):
        corpora.append(("Python standard library", python_sources()))
    return {
        f"{name}/{preset}": difference
        for name, text in corpora
        for preset, difference in compare(name, text, seconds, presets).items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="training time of each (default: 90)")
    parser.add_argument("--long", action="store_true", help="300 s each, the Balanced preset beside Quick")
    parser.add_argument(
        "--corpus", choices=["shakespeare", "python"], help="only this corpus (default: both)"
    )
    args = parser.parse_args()
    seconds = 300.0 if args.long else args.seconds
    print(hardware_line(), flush=True)
    run(seconds, ("quick", "balanced") if args.long else ("quick",), args.corpus)


if __name__ == "__main__":
    main()
