"""Reading options into config dataclasses: strictly from people, leniently from old files.

A misspelt option must not vanish silently (``{"batch": 4}`` for ``batch_size``), so
options a person gives are checked key by key; a checkpoint written by an older
version may carry keys this one no longer has, so stored configs drop them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any


class OptionError(ValueError):
    """An option that does not exist or has a value it cannot take; the message names it."""


def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def check_known(keys: Iterable[str], known: Iterable[str], *, what: str) -> None:
    """Raise OptionError naming the first unknown key, with the closest known one."""
    known = tuple(known)
    for key in keys:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise OptionError(f"unknown {what} option {key!r}{hint}; known options: {', '.join(known)}")


def known_only(data: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """The lenient reader's filter: keys this version no longer has are dropped."""
    known = set(known)
    return {k: v for k, v in data.items() if k in known}
