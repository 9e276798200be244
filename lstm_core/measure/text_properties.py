"""Simple, explainable properties of a text, one number per character.

What Karpathy, Johnson & Fei-Fei (2015) found single LSTM cells tracking: inside a
quotation, inside brackets and how deep, position in the line; what code adds (inside
a string literal, inside a comment, indentation); what prose adds (how far into its
sentence a word is, which sentence of its paragraph); and a few more a person can
check by eye. Each property is a function of the text up to and
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
WORDS_CAP = 40  # words into a sentence: as SENTENCE_CAP, in words
SENTENCES_CAP = 20  # sentences into a paragraph


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


def inside_string(text: str) -> np.ndarray:
    """1 inside a string literal as Python and C-like languages write them: from an opening
    ' or " (or triple quote) to its closing one; a backslash escapes the next character, and
    a line break ends a string that is not triple-quoted. An apostrophe after a letter or
    digit (don't, it's) opens nothing, so prose stays mostly outside."""
    out = np.zeros(len(text), dtype=np.float32)
    quote = ""  # the delimiter that closes the string we are in ("" outside)
    i = 0
    while i < len(text):
        ch = text[i]
        if not quote:
            if ch in "\"'" and not (ch == "'" and i > 0 and text[i - 1].isalnum()):
                quote = ch * 3 if text.startswith(ch * 3, i) else ch
                out[i : i + len(quote)] = 1.0
                i += len(quote)
                continue
        elif ch == "\\":
            out[i : i + 2] = 1.0
            i += 2
            continue
        elif text.startswith(quote, i):
            out[i : i + len(quote)] = 1.0  # the closing quote is still part of the string
            i += len(quote)
            quote = ""
            continue
        elif ch == "\n" and len(quote) == 1:
            quote = ""
        else:
            out[i] = 1.0
        i += 1
    return out


def _sentence_end(text: str, i: int) -> bool:
    """A . ! or ? not followed by a letter or digit: "3.14" and "e.g" end no sentence."""
    return text[i] in SENTENCE_END and (i + 1 == len(text) or not text[i + 1].isalnum())


def _paragraph_breaks(text: str) -> list[bool]:
    """True on a line break that ends a blank line (one of only spaces and tabs)."""
    breaks, blank, seen = [False] * len(text), False, False
    for i, ch in enumerate(text):
        if ch == "\n":
            breaks[i] = blank and seen
            blank = seen = True
        elif ch not in " \t\r":
            blank = False
    return breaks


def word_in_sentence(text: str) -> np.ndarray:
    """Words begun since the sentence began (a . ! ? or a blank line ends one), capped at WORDS_CAP."""
    out = np.zeros(len(text), dtype=np.float32)
    words = WORDS_CAP  # the text may begin mid-sentence: count as far from any start
    breaks = _paragraph_breaks(text)
    for i, ch in enumerate(text):
        if _sentence_end(text, i) or breaks[i]:
            words = 0
        elif ch.isalnum() and (i == 0 or not text[i - 1].isalnum()):
            words = min(WORDS_CAP, words + 1)
        out[i] = words
    return out


def sentence_in_paragraph(text: str) -> np.ndarray:
    """Sentences ended since the paragraph began (a blank line begins one), capped at SENTENCES_CAP."""
    out = np.zeros(len(text), dtype=np.float32)
    sentences = SENTENCES_CAP
    breaks = _paragraph_breaks(text)
    for i in range(len(text)):
        if breaks[i]:
            sentences = 0
        elif _sentence_end(text, i):
            sentences = min(SENTENCES_CAP, sentences + 1)
        out[i] = sentences
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
    "string": ("inside a string literal ('…', \"…\", triple-quoted)", inside_string),
    "word #": ("words into the sentence", word_in_sentence),
    "sentence #": ("sentences into the paragraph", sentence_in_paragraph),
}
