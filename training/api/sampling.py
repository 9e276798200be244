"""The generation options ``Model.generate``, ``stream`` and ``samples`` take as keywords.

Each default lives once, on ``lstm_core.sampling.SamplingSettings``: an option left out is
not passed on, so it takes the field's value there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from lstm_core.sampling import SamplingSettings


class Sampling(TypedDict, total=False):
    """The keywords, with the ``SamplingSettings`` field each one sets."""

    length: int  # max_tokens: tokens to generate
    temperature: float  # below 1 sharpens, above 1 flattens
    top_k: int  # keep the k likeliest tokens (0: all)
    top_p: float  # keep the smallest set of tokens whose probability reaches p
    min_p: float  # keep tokens at least p times as likely as the likeliest (0: off)
    repetition_penalty: float  # above 1 discourages tokens already in the recent window
    greedy: bool  # always the likeliest token
    seed: int | None  # same seed, same text; None: random
    stop: Sequence[str]  # stop just before the first of these
    past_end: bool  # a documents model goes on past the end of a document (stop_at_end off)


_FIELDS = {"length": "max_tokens", "past_end": "stop_at_end"}  # the rest keep their names


def sampling_settings(options: Mapping[str, Any]) -> SamplingSettings:
    """The settings for ``options``; an unknown keyword is a TypeError that names it, and a
    value out of range the ValueError ``SamplingSettings`` raises."""
    unknown = sorted(set(options) - set(Sampling.__annotations__))
    if unknown:
        known = ", ".join(Sampling.__annotations__)
        raise TypeError(f"unknown generation option {unknown[0]!r}: choose from {known}")
    fields: dict[str, Any] = {}
    for name, value in options.items():
        if name == "past_end":
            value = not value
        elif name == "stop":
            value = (value,) if isinstance(value, str) else tuple(value)
        fields[_FIELDS.get(name, name)] = value
    return SamplingSettings(**fields)
