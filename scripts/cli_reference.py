"""The command-line reference, written from the argparse definitions themselves.

Used two ways:

- as a MkDocs hook (``hooks:`` in mkdocs.yml): the marker line in docs/cli-reference.md is
  replaced, at every build, by the usage, description and options of the window's command
  and of every ``lstm-studio`` subcommand, so the page cannot drift from the parsers;
- as a script: ``python scripts/cli_reference.py`` prints the same markdown.

The subcommands come from ``training.cli.build_parser``. The window's own options are
parsed inside ``app.launch.parse_args``, which builds its parser and parses at once: the
parser is caught at its ``parse_args`` call and never parses anything.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- cli-reference -->"
PAGE = "cli-reference.md"
WIDTH = 100  # columns of the usage blocks: the same page on every terminal that builds it
_SPECIAL = re.compile(r"([\\*_\[\]|])")  # what would turn help text into markup


class _Caught(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__("parser caught")
        self.parser = parser


@contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps to the terminal's width, read from $COLUMNS."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width + 2)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _text(help_text: str) -> str:
    """Help text as markdown that shows it as written: backquoted names stay code."""
    parts = help_text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backquote: nothing is code
        parts = [help_text.replace("`", "\\`")]
    out = []
    for i, part in enumerate(parts):
        out.append(f"`{part}`" if i % 2 else _SPECIAL.sub(r"\\\1", html.escape(part, quote=False)))
    return "".join(out)


def _rows(parser: argparse.ArgumentParser, actions: list[argparse.Action]) -> list[str]:
    # argparse has no public way to format one action; these two methods are what --help
    # itself calls, so each row reads exactly as the command's own --help does.
    formatter: Any = parser._get_formatter()
    rows = []
    for action in actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        invocation = formatter._format_action_invocation(action)
        meaning = formatter._expand_help(action) if action.help else ""
        rows.append(f"| `{invocation.replace('|', '&#124;')}` | {_text(' '.join(meaning.split()))} |")
    return rows


def parser_markdown(parser: argparse.ArgumentParser, *, title: str, anchor: str) -> str:
    """One command: heading, description, usage, then its options group by group."""
    lines = [f"## {title} {{#{anchor}}}", ""]
    if parser.description:
        lines += [_text(" ".join(parser.description.split())), ""]
    lines += ["```text", parser.format_usage().strip(), "```", ""]
    for group in parser._action_groups:
        rows = _rows(parser, group._group_actions)
        if rows:
            kind = "argument" if all(not a.option_strings for a in group._group_actions) else "option"
            lines += [f"**{group.title[:1].upper()}{group.title[1:]}**", ""]
            lines += [f"| {kind} | what it does |", "|---|---|", *rows, ""]
    for exclusive in parser._mutually_exclusive_groups:
        names = [f"`{a.option_strings[-1]}`" for a in exclusive._group_actions if a.option_strings]
        if len(names) > 1:
            lines += [f"{', '.join(names[:-1])} and {names[-1]} exclude each other.", ""]
    if parser.epilog:
        lines += [_text(parser.epilog), ""]
    return "\n".join(lines)


def window_parser() -> argparse.ArgumentParser:
    """The parser ``lstm-studio`` with no subcommand (the window) builds for itself."""
    from app import launch

    def catch(self: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        raise _Caught(self)

    with mock.patch.object(argparse.ArgumentParser, "parse_args", catch):
        try:
            launch.parse_args([])
        except _Caught as caught:
            return caught.parser
    raise RuntimeError(
        "app.launch.parse_args built no argparse parser: teach scripts/cli_reference.py its new way"
    )


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if len(found) != 1:
        raise RuntimeError("training.cli.build_parser should have exactly one set of subcommands")
    return found[0]


def reference() -> str:
    """The whole generated part of the page."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from training.cli import build_parser

    with _columns(WIDTH):
        top = build_parser()
        sub = subcommands(top)
        summary = {a.dest: a.help or "" for a in sub._choices_actions}
        lines = [
            "| command | what it does |",
            "|---|---|",
            "| [`lstm-studio`](#window) (no command) | open the window |",
        ]
        lines += [
            f"| [`{top.prog} {name}`](#{name}) | {_text(summary.get(name, ''))} |" for name in sub.choices
        ]
        window = parser_markdown(window_parser(), title="lstm-studio (the window)", anchor="window")
        parts = ["\n".join(lines), window]
        parts += [parser_markdown(cmd, title=cmd.prog, anchor=name) for name, cmd in sub.choices.items()]
    return "\n\n".join(parts) + "\n"


def on_page_markdown(markdown: str, page: Any, **_kwargs: Any) -> str:
    """MkDocs hook: fill the marker of the reference page."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise RuntimeError(f"docs/{PAGE} lost its marker line {MARKER}")
    return markdown.replace(MARKER, reference())


if __name__ == "__main__":
    sys.stdout.write(reference())
