"""The Quick preset against char-rnn's recipe on six kinds of text found on this machine.

Each corpus is cut at 90 %: both train on the first part only (Quick through the product's
own pipeline, which also holds out part of what it is given for its own validation; the
peer is the plain loop of ``benchmarks.peers``) and both are scored on the last 10 %, text
neither has seen. Beside the two held-out losses the table gives what the run itself
reported as its validation loss, and the share of its held-out text that also occurs in
its training text: a run that reports much less than the tail scores has been judged on
text it memorised. Column "honest": yes when the reported loss is at most 0.3 nats below
the tail's; "said" when it is further below but the run said that its held-out text
overlaps training; NO otherwise. "early": the run stopped before its budget. "memo": the run
said that it memorised its corpus (from its losses, or from copies in its samples).

    python -m benchmarks.corpora [--seconds 90] [--precision auto,fp32] [--only NAME ...]

Corpora (each skipped when its files are absent): Debian's licence texts (small and
repetitive), vim's English tutor (about 30 KB), tinyshakespeare (../shared/data), Python's
standard-library sources, vim's tutors in Cyrillic scripts, and a folder of many short
Debian copyright files (many of them identical).
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks.common import SHAKESPEARE, hardware_line
from benchmarks.peers import char_rnn_loop, python_sources, score
from training.checkpoints.checkpoint import load_model, read_metadata
from training.common.events import Event, FinishedEvent, NoteEvent, WarningEvent
from training.run import run_training
from training.run_spec import RunSpec

MEDIAN_MARGIN = 0.05  # Quick must beat the peer by this much on the median corpus
LICENCES_TARGET = 1.70  # nats/char on the licence corpus's unseen tail
HONEST_GAP = 0.30  # reported validation may sit at most this far below the tail's score
VIM = sorted(Path("/usr/share/vim").glob("vim*/tutor"))


@dataclass(frozen=True)
class Corpus:
    name: str
    train: list[tuple[str, str]]  # (file name, text) for the training part
    tail: str  # the unseen last tenth


def _cut(name: str, text: str) -> Corpus:
    cut = int(len(text) * 0.9)
    return Corpus(name, [(f"{name}.txt", text[:cut])], text[cut:])


def _read(paths: list[Path]) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)


def licences() -> Corpus | None:
    folder = Path("/usr/share/common-licenses")
    files = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    return _cut("licences", _read(files)) if files else None


def small_text() -> Corpus | None:
    files = [d / "tutor" for d in VIM if (d / "tutor").is_file()]
    return _cut("vim-tutor", _read(files[:1])) if files else None


def shakespeare() -> Corpus | None:
    return _cut("tinyshakespeare", SHAKESPEARE.read_text(encoding="utf-8")) if SHAKESPEARE.exists() else None


def python() -> Corpus | None:
    return _cut("python", python_sources(2_000_000))


def cyrillic() -> Corpus | None:
    files = [d / f"tutor.{lang}.utf-8" for d in VIM[:1] for lang in ("ru", "bg", "uk")]
    files = [f for f in files if f.is_file()]
    return _cut("cyrillic", _read(files)) if files else None


def many_documents() -> Corpus | None:
    """Short copyright files as a folder, many identical; the last tenth of the files is the tail."""
    files = [p for p in sorted(Path("/usr/share/doc").glob("*/copyright")) if p.stat().st_size < 8_000]
    if len(files) < 50:
        return None
    random.Random(0).shuffle(files)
    files = files[:400]
    cut = int(len(files) * 0.9)
    named = [(f"{p.parent.name}.txt", p.read_text(encoding="utf-8", errors="replace")) for p in files]
    return Corpus("copyright-files", named[:cut], "".join(text for _, text in named[cut:]))


BUILDERS: dict[str, Callable[[], Corpus | None]] = {
    "licences": licences,
    "vim-tutor": small_text,
    "tinyshakespeare": shakespeare,
    "python": python,
    "cyrillic": cyrillic,
    "copyright-files": many_documents,
}


@dataclass(frozen=True)
class Result:
    corpus: str
    precision: str
    chars: int
    peer: float
    quick: float
    reported: float
    seen: float | None
    flagged: bool  # the run said that its held-out text overlaps training
    stopped_early: bool
    notes: tuple[str, ...]

    @property
    def said_memorised(self) -> bool:
        return any("memorise" in note and "its corpus" in note for note in self.notes)

    @property
    def difference(self) -> float:
        return self.quick - self.peer

    @property
    def honest(self) -> bool:
        return self.flagged or self.quick - self.reported <= HONEST_GAP


def _quick(folder: Path, out: Path, seconds: float, precision: str) -> tuple[Path, FinishedEvent, list[str]]:
    options: dict[str, object] = {"minutes": seconds / 60}
    if precision != "auto":
        options["precision"] = precision
    notes: list[str] = []

    def keep(event: Event) -> None:
        if isinstance(event, NoteEvent | WarningEvent):
            notes.append(event.message)

    spec = RunSpec(paths=(str(folder),), out_dir=out, train_options=options)
    finished = run_training(spec, on_event=keep)[0]
    return Path(finished.checkpoint), finished, notes


def measure(corpus: Corpus, seconds: float, precisions: list[str], tmp: Path) -> list[Result]:
    folder = tmp / corpus.name
    folder.mkdir()
    for name, text in corpus.train:
        (folder / name).write_text(text, encoding="utf-8")
    tail = tmp / f"{corpus.name}-tail.txt"
    tail.write_text(corpus.tail, encoding="utf-8")
    whole = "".join(text for _, text in corpus.train)
    peer_model, peer_tokenizer, _ = char_rnn_loop(whole, seconds)
    peer = score(peer_model, peer_tokenizer, tail)
    results = []
    for precision in precisions:
        checkpoint, finished, notes = _quick(folder, tmp / f"{corpus.name}-{precision}", seconds, precision)
        model, tokenizer, _ = load_model(checkpoint)
        info = read_metadata(checkpoint).corpus
        flagged = bool(info.heldout_note())  # the run said its held-out text overlaps training
        results.append(
            Result(
                corpus.name,
                precision,
                len(whole),
                peer,
                score(model, tokenizer, tail),
                finished.val_loss,
                info.heldout_seen,
                flagged,
                finished.stopped_early,
                tuple(notes),
            )
        )
        print(f"  {corpus.name} {precision}: " + " | ".join(notes), flush=True)
    return results


def table(results: list[Result]) -> None:
    print(
        f"{'corpus':<16} {'prec':<5} {'chars':>9} {'char-rnn':>9} {'Quick':>7} {'diff':>7} "
        f"{'reported':>9} {'seen':>6} {'early':>5} {'memo':>4} honest"
    )
    for r in results:
        seen = f"{r.seen:.1%}" if r.seen is not None else "-"
        print(
            f"{r.corpus:<16} {r.precision:<5} {r.chars:>9,} {r.peer:>9.3f} {r.quick:>7.3f} "
            f"{r.difference:>+7.3f} {r.reported:>9.3f} {seen:>6} {'yes' if r.stopped_early else '':>5} "
            f"{'yes' if r.said_memorised else '':>4} "
            f"{('yes' if r.quick - r.reported <= HONEST_GAP else 'said') if r.honest else 'NO'}"
        )
    for precision in sorted({r.precision for r in results}):
        rows = [r for r in results if r.precision == precision]
        median = statistics.median(r.difference for r in rows)
        wins = sum(r.difference < 0 for r in rows)
        print(
            f"{precision}: Quick beats char-rnn on {wins}/{len(rows)} corpora "
            f"({'met' if wins == len(rows) else 'MISSED'}); median difference {median:+.3f} "
            f"({'met' if median <= -MEDIAN_MARGIN else 'MISSED'}, target ≤ −{MEDIAN_MARGIN:.2f}); "
            f"honest validation on {sum(r.honest for r in rows)}/{len(rows)}"
        )
        for r in rows:
            if r.corpus == "licences":
                verdict = "met" if r.quick <= LICENCES_TARGET else "MISSED"
                print(
                    f"{precision}: licences Quick {r.quick:.3f} ({verdict}, target ≤ {LICENCES_TARGET:.2f})"
                )


def run(
    seconds: float = 90.0,
    precisions: tuple[str, ...] = ("auto", "fp32"),
    only: list[str] | None = None,
) -> None:
    results: list[Result] = []
    with TemporaryDirectory(prefix="lstm-studio-corpora-") as tmp:
        for name, build in BUILDERS.items():
            if only and name not in only:
                continue
            corpus = build()
            if corpus is None:
                print(f"{name}: not on this machine; skipped", flush=True)
                continue
            results += measure(corpus, seconds, list(precisions), Path(tmp))
    table(results)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpora", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="training time of each (default: 90)")
    parser.add_argument(
        "--precision", default="auto,fp32", help="Quick's precision paths (default: auto,fp32)"
    )
    parser.add_argument("--only", nargs="*", choices=list(BUILDERS), help="only these corpora")
    args = parser.parse_args()
    print(hardware_line(), flush=True)
    run(args.seconds, tuple(args.precision.split(",")), args.only)


if __name__ == "__main__":
    main()
