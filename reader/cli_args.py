"""The `arxiv-reader` command line's grammar: the parsers, the exit codes and the errors that map
to them. `reader.cli` runs the commands."""

from __future__ import annotations

import argparse
from typing import NoReturn

from . import __version__
from .export import FORMATS

SUBCOMMANDS = ("list", "check", "mark", "tag", "untag", "note", "journal", "state", "export", "config", "fetch",
               "sync")
API_MAX_DEFAULT = 50
API_MAX_LIMIT = 2000  # the arXiv API's own limit for one request
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in the command line: exit code 2."""


class Failure(Exception):
    """An operation that failed for a reason outside the command line: exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + error
        raise UsageError(f"{message} (see {self.prog} --help)")


def _build_parser() -> _Parser:
    ap = _Parser(prog="arxiv-reader", usage="arxiv-reader [PATH ...]\n       arxiv-reader [-h] [--version] COMMAND ...",
                 description="A terminal reader for daily arXiv digests. `arxiv-reader [PATH ...]` opens the "
                 "reader on digest files or folders (without PATH: the configured library, else the samples); "
                 "the commands below work without it.")
    ap.add_argument("--version", action="version", version=f"arxiv-reader {__version__}")
    sub = ap.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND", prog="arxiv-reader")

    p = sub.add_parser("list", help="print the papers, one a line (or JSON Lines)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="digest files or folders (default: the library)")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object a paper")
    p.add_argument("--query", "-q", metavar="Q", help="only papers matching this filter query")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--unread", action="store_true", help="only unread papers")
    which.add_argument("--read", action="store_true", help="only read papers")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--all", action="store_true", help="also the papers a [hide] rule hides")

    p = sub.add_parser("check", help="report problems in digests")
    p.add_argument("paths", nargs="*", metavar="PATH", help="digest files or folders (default: the library)")

    p = sub.add_parser("mark", help="mark papers read, unread, starred or unstarred")
    p.add_argument("action", choices=("read", "unread", "star", "unstar"))
    p.add_argument("ids", nargs="+", metavar="ID", help="arXiv identifiers (1907.03739, cs/0601001v2)")

    _add_keep_parsers(sub)

    p = sub.add_parser("state", help="export or import read/star state")
    ssub = p.add_subparsers(dest="state_command", parser_class=_Parser, metavar="ACTION", required=True)
    ssub.add_parser("export", help="write the state as JSON Lines to stdout")
    imp = ssub.add_parser("import", help="merge a JSON Lines state file in (later change wins)")
    imp.add_argument("file", metavar="FILE", help="a file written by `state export` ('-' for stdin)")

    p = sub.add_parser("export", help="write papers as BibTeX, Markdown digests or JSON Lines")
    p.add_argument("paths", nargs="*", metavar="PATH", help="digest files or folders (default: the library)")
    p.add_argument("--format", "-f", choices=FORMATS, help="default: from the -o file's suffix")
    p.add_argument("--query", "-q", metavar="Q", help="only papers matching this filter query")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--unread", action="store_true", help="only unread papers")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (default: standard output)")

    p = sub.add_parser("config", help="where the configuration is, and what it says")
    csub = p.add_subparsers(dest="config_command", parser_class=_Parser, metavar="ACTION", required=True)
    csub.add_parser("path", help="print the config file's path")
    csub.add_parser("show", help="print the effective configuration (defaults included) as TOML")
    csub.add_parser("check", help="print each problem in the config file; exit 1 if there is any")

    p = sub.add_parser("fetch", help="save today's arXiv listings (RSS) into the library")
    p.add_argument("categories", nargs="*", metavar="CATEGORY",
                   help="arXiv categories such as cs.CV (default: `categories` in config.toml)")
    p.add_argument("--api", metavar="QUERY", help="save an arXiv API search (e.g. 'ti:diffusion AND cat:cs.CV'); "
                   "without CATEGORY, only the search")
    p.add_argument("--max", type=int, metavar="N",
                   help=f"at most N results for --api (default {API_MAX_DEFAULT}, up to {API_MAX_LIMIT})")
    return ap


def _add_keep_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("tag", help="add tags to a paper")
    p.add_argument("id", metavar="ID", help="an arXiv identifier (1907.03739)")
    p.add_argument("tags", nargs="+", metavar="TAG", help="tag names (no spaces, at most 64 characters)")
    p = sub.add_parser("untag", help="remove tags from a paper")
    p.add_argument("id", metavar="ID", help="an arXiv identifier (1907.03739)")
    p.add_argument("tags", nargs="+", metavar="TAG")
    p = sub.add_parser("note", help="set a paper's note ('-' reads standard input; empty deletes it)")
    p.add_argument("id", metavar="ID", help="an arXiv identifier (1907.03739)")
    p.add_argument("text", metavar="TEXT", help="the note (at most 64 KB); '-' reads standard input")
    p = sub.add_parser("journal", help="what was read, starred, tagged and noted, day by day")
    p.add_argument("paths", nargs="*", metavar="PATH", help="where titles come from (default: the library)")
    p.add_argument("--since", metavar="WHEN", help="7d, 12h, 2w or a date such as 2026-12-01 (default: all)")
    p.add_argument("--format", "-f", choices=("markdown", "json"), default="markdown")
    p = sub.add_parser("sync", help="marks shared through the synced folder (`sync_dir` in config.toml)")
    ysub = p.add_subparsers(dest="sync_command", parser_class=_Parser, metavar="ACTION", required=True)
    ysub.add_parser("status", help="the machines seen, their last event, how far each is merged here")


def _app_parser() -> _Parser:
    ap = _Parser(prog="arxiv-reader", description="Start the reader on digest files or folders.",
                 epilog=f"subcommands: {', '.join(SUBCOMMANDS)} (arxiv-reader COMMAND --help)")
    ap.add_argument("--version", action="version", version=f"arxiv-reader {__version__}")
    ap.add_argument("paths", nargs="*", metavar="PATH", help="digest files or folders (default: the library)")
    return ap


def _safe(text: str) -> str:
    from .text import sanitize

    return sanitize(text)
