"""The Explain page's words: each claim's title, what it means before any number is known
(for the built-in demo, or for a model measured on its own text), and the sentence its
measurement makes. Strings from floats; no widget."""

from __future__ import annotations

from lstm_core.measure.explain import EXPLODE_FACTOR, Explanations
from lstm_core.measure.probe import BUCKET_WIDTH
from lstm_core.measure.recurrence import RecallReport
from lstm_core.measure.recurrence_curves import CLEAR, RecallCurve

CLAIMS = ("vanishing", "exploding", "long", "bottleneck", "memory")
TITLES = {
    "vanishing": "1. Vanishing gradients",
    "exploding": "2. Exploding gradients",
    "long": "3. Long-term dependencies",
    "bottleneck": "4. Sequential computation bottleneck",
    "memory": "5. Rigid memory structure",
}
PROBE_INTRO = (
    "Each probe is a held-out demo document cut after “I speak”; the model's greedy next word must "
    "be the language of the country named at the start, across 0 to 300 characters of filler. "
    "Chance is 1 in 24, about 4 %."
)
RECALL_INTRO = (
    "A text remembers itself: a name or an identifier comes back. Where a word recurs k tokens "
    "after its last occurrence, a model that still holds that occurrence predicts it for less "
    "than at the word's first mentions. The plot shows that gain (nats/token, ± one standard "
    "error) by k; what speaks of memory is how it falls with k, and the LSTM's curve against the RNN's."
)


def intros(*, demo: bool, rnn_shipped: bool) -> dict[str, str]:
    """What each claim means here, before any number is known; a live sentence follows once measured.

    ``demo``: the built-in demo on the demo text; else a model on its own held-out text.
    ``rnn_shipped``: the RNN is the demo's own, not one the person loaded."""
    text = "demo text" if demo else "the model's own held-out text"
    rnn = "the shipped RNN" if rnn_shipped else "the loaded RNN"
    return {
        "vanishing": (
            "Backpropagation through a vanilla RNN multiplies by tanh′ · W_hh once per step, so the "
            f"signal reaching earlier steps shrinks geometrically. The plot shows ‖∂loss_t/∂h_(t−k)‖ "
            f"on {text} (log scale); the LSTM's additive cell state gives gradients a slower road back."
        ),
        "exploding": (
            "When that per-step factor is above 1 the same product grows instead, and one update can "
            f"wreck the weights. To show it, {rnn} is measured again with its recurrent weights × "
            f"{EXPLODE_FACTOR:g}; the usual remedy is clipping the gradient's norm during training."
        ),
        "long": PROBE_INTRO if demo else RECALL_INTRO,
        "bottleneck": (
            "h_t needs h_(t−1), so the steps of one sequence run one after another whatever the "
            "hardware. Only separate streams run side by side, which is why the batched figure is "
            "the large one."
        ),
        "memory": (
            "A vanilla RNN recomputes its whole hidden state at every step; the LSTM's cell state "
            "changes only where its gates let it, keeping some units and wiping others."
        ),
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _case_counts(words: list[RecallCurve]) -> str:
    """Matched cases per distance bin: one row when the models read the same cases, else one each."""
    rows = {c.name: " · ".join(f"{b.label}: {b.matched:,}" for b in c.bins if b.matched) for c in words}
    if len(set(rows.values())) <= 1:
        return next(iter(rows.values()), "")
    return " / ".join(f"{name.upper()} {row}" for name, row in rows.items())


def recall_sentence(report: RecallReport) -> str:
    """The report's verdict, how far back each model clearly gains, and the cases per distance."""
    verdict = report.verdict
    head = f"Measured {verdict}." if verdict.startswith("on ") else f"Measured: {verdict}."
    words = [c for c in report.curves if c.kind == "word"]
    reach = "; ".join(
        f"the {c.name.upper()} up to {c.reach} tokens back"
        if c.reach is not None
        else f"the {c.name.upper()} at no distance"
        for c in words
    )
    cases = _case_counts(words)
    return f"{head}<br>A clear gain (above {CLEAR:g} standard errors): {reach}." + (
        f"<br>Cases per distance k (recurring words with a first mention): {cases}." if cases else ""
    )


def live_sentences(data: Explanations) -> dict[str, str]:
    """The measured sentence of each claim, from explain_models' result."""
    grad, probe, speed, memory = data.gradflow, data.probe, data.throughput, data.memory
    out: dict[str, str] = {}
    if grad:
        parts = [f"{n.upper()} keeps {g[50] / g[1]:.1e} of its k=1 gradient at k=50" for n, g in grad.items()]
        out["vanishing"] = "Measured: " + "; ".join(parts) + "."
    if data.explode is not None:
        e = data.explode
        clip = ", ".join(f"{n.upper()} {c}" for n, c in data.clip.items() if c)
        out["exploding"] = (
            f"Measured: with W_hh × {EXPLODE_FACTOR:g} the gradient at k=50 is {e[50] / e[1]:.1e} times "
            f"the one at k=1. Largest singular value of W_hh: "
            + ", ".join(f"{n.upper()} {s:.1f}" for n, s in data.spectral.items())
            + (f". Clipping threshold used in training: {clip}." if clip else ".")
        )
    if probe:
        parts = [f"{n.upper()} {_percent(b[-1].accuracy)}" for n, b in probe.items()]
        edge = next(iter(probe.values()))[-1].distance
        out["long"] = (
            f"Measured at {edge - BUCKET_WIDTH + 1}–{edge} characters: "
            + ", ".join(parts)
            + " (chance about 4 %)."
        )
    elif data.recall is not None:
        out["long"] = recall_sentence(data.recall)
    if speed:
        rows = [
            f"{n.upper()}: explicit cells {s.explicit_tokens_per_s:,.0f}, fused kernel "
            f"{s.fused_tokens_per_s:,.0f}, fused × {s.batch} streams "
            f"{s.fused_batch_tokens_per_s:,.0f}"
            for n, s in speed.items()
        ]
        out["bottleneck"] = "Measured, tokens per second:<br>" + "<br>".join(rows)
    if memory:
        parts = []
        for n, m in memory.items():
            what = "C" if n == "lstm" else "h"
            part = f"{n.upper()} rewrites {_percent(m.rewrite_per_step)} of {what} per token"
            if m.forget_open is not None:
                part += (
                    f" ({_percent(m.forget_open)} of its forget gates above 0.9, "
                    f"{_percent(m.forget_shut)} below 0.1)"
                )
            parts.append(part)
        out["memory"] = "Measured: " + "; ".join(parts) + "."
    return out
