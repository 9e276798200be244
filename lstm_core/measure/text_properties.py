"""Simple, explainable properties of a text, one number per character.

What Karpathy, Johnson & Fei-Fei (2015) found single LSTM cells tracking: inside a
quotation, inside brackets and how deep, position in the line; and a few more a
person can check by eye. Each property is a function of the text up to and
including the character (never of what follows), since that is all the model has
read when its state is compared with the property. A property a person types is a
regular expression: 1 inside any of its matches, 0 elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

OPEN, CLOSE = "([{", ")]}"
SENTENCE_END = ".!?"
# Longer than nearly every sentence; keeps text with no sentences (code) from counting up forever.
SENTENCE_CAP = 200


def inside_quotes(text: str) -> np.ndarray:
    """1 from an opening double quote up to (not including) its closing one; a new line ends it."""
    out = np.zeros(len(text), dtype=np.float32)
    inside = False
    for i, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        elif ch == "\n":
            inside = False
        out[i] = inside
    return out


def bracket_depth(text: str) -> np.ndarray:
    """How many ( [ { are open after this character (never below 0)."""
    out = np.zeros(len(text), dtype=np.float32)
    depth = 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        out[i] = depth
    return out


def inside_brackets(text: str) -> np.ndarray:
    return (bracket_depth(text) > 0).astype(np.float32)


def line_position(text: str) -> np.ndarray:
    """Characters since the last line break (0 on the break itself)."""
    out = np.zeros(len(text), dtype=np.float32)
    column = 0
    for i, ch in enumerate(text):
        column = 0 if ch == "\n" else column + 1
        out[i] = column
    return out


def word_start(text: str) -> np.ndarray:
    """1 on a letter or digit that follows anything else."""
    out = np.zeros(len(text), dtype=np.float32)
    for i, ch in enumerate(text):
        out[i] = ch.isalnum() and (i == 0 or not text[i - 1].isalnum())
    return out


def since_sentence_end(text: str) -> np.ndarray:
    """Characters read since the last . ! or ? (0 on it), capped at SENTENCE_CAP.

    A distance rather than a 1-after-the-stop flag: the flag is true mostly on the stop
    itself and the spaces after it, which an untrained model follows as well as a trained
    one (it sees the character), so it says nothing about what training built. How far
    into a sentence the text is must be remembered, like the position in a line.
    """
    out = np.zeros(len(text), dtype=np.float32)
    since = SENTENCE_CAP  # the text may begin mid-sentence: count as far from any stop
    for i, ch in enumerate(text):
        since = 0 if ch in SENTENCE_END else min(SENTENCE_CAP, since + 1)
        out[i] = since
    return out


def indentation(text: str) -> np.ndarray:
    """The current line's indentation in columns (a tab counts 4), as far as read."""
    out = np.zeros(len(text), dtype=np.float32)
    width, leading = 0, True
    for i, ch in enumerate(text):
        if ch == "\n":
            width, leading = 0, True
        elif leading and ch in " \t":
            width += 4 if ch == "\t" else 1
        else:
            leading = False
        out[i] = width
    return out


def inside_comment(text: str) -> np.ndarray:
    """1 from a # (outside a double-quoted string) to the end of its line."""
    out = np.zeros(len(text), dtype=np.float32)
    comment = string = False
    for i, ch in enumerate(text):
        if ch == "\n":
            comment = string = False
        elif ch == '"' and not comment:
            string = not string
        elif ch == "#" and not string:
            comment = True
        out[i] = comment
    return out


def regex_property(pattern: str) -> Callable[[str], np.ndarray]:
    """1 on every character inside a match of ``pattern`` (multiline mode); raises on a bad pattern."""
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as err:
        raise ValueError(f"not a regular expression: {pattern!r} ({err})") from None

    def prop(text: str) -> np.ndarray:
        out = np.zeros(len(text), dtype=np.float32)
        for match in compiled.finditer(text):
            out[match.start() : match.end()] = 1.0
        return out

    return prop


# name -> (what it is, function); the order is the order of every report
PROPERTIES: dict[str, tuple[str, Callable[[str], np.ndarray]]] = {
    "quote": ('inside "double quotes"', inside_quotes),
    "brackets": ("inside ( [ { brackets", inside_brackets),
    "depth": ("bracket nesting depth", bracket_depth),
    "column": ("position in the line", line_position),
    "word start": ("first character of a word", word_start),
    "sentence": ("characters since the last . ! or ?", since_sentence_end),
    "indent": ("indentation of the line", indentation),
    "comment": ("inside a # comment", inside_comment),
}
