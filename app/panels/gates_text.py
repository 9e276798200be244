"""The Gates tab's sentence on which part of the text its heatmaps show: a trace holds a
bounded number of positions, so a long text is inspected through a window."""

from __future__ import annotations

from lstm_core.measure.gate_trace import GateTrace


def describe_window(trace: GateTrace) -> str:
    """One short line: the window's tokens and characters, the continuation, and the bound."""
    continued = len(trace.tokens) - trace.text_tokens
    tail = f" + {continued} continued" if continued else ""
    bound = f"(at most {trace.limit} positions)"
    if trace.whole:
        return f"The whole text: {trace.text_tokens} tokens{tail} {bound}."
    where = "before the caret" if trace.start > 0 else "from the start"
    return (
        f"{trace.text_tokens} tokens {where}, characters {trace.start:,}–{trace.end:,} of "
        f"{trace.text_chars:,}{tail} {bound}; move the caret to inspect another part."
    )
