"""The `arxiv-reader` command line. Each subcommand is a thin call into the core modules.

    arxiv-reader [PATH ...]                     start the reader (the configured library without PATH)
    arxiv-reader list [PATH ...] [--json] [--query Q] [--unread|--read|--starred]
    arxiv-reader check PATH ...
    arxiv-reader mark read|unread|star|unstar ID [ID ...]
    arxiv-reader tag ID TAG [TAG ...] | untag ID TAG [TAG ...]
    arxiv-reader note ID TEXT                   ('-' reads standard input; an empty text deletes the note)
    arxiv-reader journal [PATH ...] [--since 7d|2026-12-01] [--format markdown|json]
    arxiv-reader state export | state import FILE
    arxiv-reader export --format bibtex|markdown|json [--query Q] [--starred] [--unread] [-o FILE] [PATH ...]
    arxiv-reader config path | config show | config check
    arxiv-reader fetch [CATEGORY ...] [--api QUERY [--max N]]
    arxiv-reader sync status                    the machines seen in `sync_dir` and how far each is merged

Without PATH, every command reads the `library` set in config.toml, else the bundled samples.

Exit codes: 0 success; 1 problems found (`check`) or an operation failed (a disk error, a category
`fetch` could not get);
2 a mistake in the command (bad flag, missing path, invalid identifier or query).
Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO, cast

from .cli_args import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    SUBCOMMANDS,
    Failure,
    UsageError,
    _app_parser,
    _build_parser,
    _safe,
)
from .cli_fetch import cmd_fetch, cmd_sync
from .export import SUFFIXES, add_kept, json_line, paper_record
from .config import Config, config_dir, load_config
from .model import Paper

if TYPE_CHECKING:
    from .library import Library
    from .rules import RuleSet
    from .state import StateStore

def _default_paths(paths: Sequence[str], config: Config | None) -> list[str]:
    """`paths`, else the configured library, else the bundled samples."""
    from .library import bundled_samples

    if paths:
        return list(paths)
    if config is not None and config.library is not None:
        if not config.library.exists():
            raise UsageError(f"the library {_safe(str(config.library))} set in {_safe(str(config.path))}"
                             " does not exist")
        return [str(config.library)]
    return [str(bundled_samples())]


def _load_library(paths: Sequence[str], config: Config | None = None) -> Library:
    """Load, and say on stderr (one line) how many files of the folders were in no known format."""
    from .library import DIGEST_PATTERNS, LibraryError, ParseCache, default_cache_dir, load, skipped_summary

    paths = _default_paths(paths, config)
    try:
        lib = load(paths, cache=ParseCache(default_cache_dir()),
                   patterns=config.file_patterns if config is not None else DIGEST_PATTERNS)
    except LibraryError as err:
        raise UsageError(_safe(str(err))) from None
    summary = skipped_summary(lib)
    if summary:
        print(f"arxiv-reader: {summary}", file=sys.stderr)
    if not lib.papers and lib.unknown and len(lib.unknown) == len(lib.files):
        from .formats import NO_FORMAT

        raise Failure(_safe(f"{lib.unknown[0]}: {NO_FORMAT}"))
    if not lib.files:
        raise Failure("no digests found in " + _safe(", ".join(paths)))
    return lib


def _open_store() -> StateStore:
    from .state import StateError, StateStore

    store = StateStore()
    try:
        for warning in store.load():
            print(f"arxiv-reader: warning: {_safe(warning)}", file=sys.stderr)
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    _start_sync(store)
    return store


def _rules(args: argparse.Namespace) -> RuleSet:
    """The watch and hide rules of the config file (their problems were printed with the config's)."""
    from .rules import RuleSet, load_rules

    config: Config | None = getattr(args, "config", None)
    return load_rules(config.path)[0] if config is not None and config.path is not None else RuleSet()


def _run_query(args: argparse.Namespace, papers: Sequence[Paper], keys: list[str], store: StateStore | None,
               rules: RuleSet) -> Sequence[int]:
    """The papers `--query` matches, without those a hide rule hides (unless the query says
    ``is:hidden`` or ``list --all`` is given)."""
    from .rules import RuleIndex, mentions_hidden
    from .search import Corpus, QueryError, parse
    from .seen import store_lookups

    try:
        query = parse(args.query) if args.query is not None else None
    except QueryError as err:
        raise UsageError(f"bad query: {err}") from None
    corpus = Corpus.build(papers)
    is_read = _read_of(args, papers, keys, store) if store else None
    is_starred = (lambda i: store.is_starred(keys[i])) if store else None
    lookups = store_lookups(store, papers, keys)
    matches = RuleIndex(rules).evaluate(corpus, is_read=is_read, is_starred=is_starred, lookups=lookups)
    lookups = matches.lookups(lookups)
    indices: Sequence[int] = range(len(papers))
    if query is not None:
        indices = query.run(corpus, is_read=is_read, is_starred=is_starred, lookups=lookups).indices
    if getattr(args, "all", False) or mentions_hidden(query):
        return indices
    return matches.visible(indices)


_SYNC: dict[str, object] = {}  # "config": this command's Config; "folder": its SyncFolder (sync_dir set)


def _start_sync(store: StateStore) -> None:
    config = _SYNC.get("config")
    if isinstance(config, Config) and config.sync_dir is not None:
        from .sync import start
        _SYNC["folder"] = start(store, config.sync_dir, _warn)


def _push_sync() -> None:
    from .sync import SyncFolder, push_after_write
    folder = _SYNC.get("folder")
    push_after_write(folder if isinstance(folder, SyncFolder) else None, _warn)


def _warn(message: str) -> None:
    print(f"arxiv-reader: warning: {_safe(message)}", file=sys.stderr)


def _read_of(args: argparse.Namespace, papers: Sequence[Paper], keys: list[str],
             store: StateStore) -> Callable[[int], bool]:
    """Paper `i` read as the app shows it: with `unread_on_update`, a paper read before its
    newest version was announced shows unread (derived; nothing is written)."""
    config = getattr(args, "config", None)
    if isinstance(config, Config) and config.unread_on_update:
        from .seen import shows_read

        return lambda i: shows_read(store, papers[i], keys[i], True)
    return lambda i: store.is_read(keys[i])


def _select(
    args: argparse.Namespace, need_state: bool
) -> tuple[Sequence[Paper], Sequence[int], list[str], StateStore | None]:
    """The papers, the indices `--query`, `--unread`, `--read` and `--starred` keep, their keys,
    and the state store (None unless `need_state` or a filter needs it)."""
    lib = _load_library(args.paths, getattr(args, "config", None))
    papers: Sequence[Paper] = lib.papers
    indices: Sequence[int] = range(len(papers))
    unread, read, starred = (getattr(args, name, False) for name in ("unread", "read", "starred"))
    rules = _rules(args)
    need_state = need_state or unread or read or starred or any(r.uses_marks for r in rules.rules) or (
        args.query is not None and any(w in args.query.casefold() for w in ("is:", "tag:", "note:", "watch:")))
    store = _open_store() if need_state else None
    keys = [p.key for p in papers]
    if args.query is not None or rules:
        indices = _run_query(args, papers, keys, store, rules)
    if store is not None:
        is_read = _read_of(args, papers, keys, store)
        if unread:
            indices = [i for i in indices if not is_read(i)]
        elif read:
            indices = [i for i in indices if is_read(i)]
        if starred:
            indices = [i for i in indices if store.is_starred(keys[i])]
    return papers, indices, keys, store


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    papers, indices, keys, store = _select(args, args.json)
    if args.json:
        assert store is not None  # need_state is set by --json
        is_read = _read_of(args, papers, keys, store)
        for i in indices:
            record = paper_record(papers[i], is_read(i), store.is_starred(keys[i]))
            out.write(json_line(add_kept(record, keys[i], store.tags, store.note)) + "\n")
    else:
        from .text import display_title

        for i in indices:
            p = papers[i]
            out.write(f"{p.id or '-'}\t{display_title(p.title)}\n")
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    lib = _load_library(args.paths, args.config)
    for d in lib.diagnostics:
        out.write(_safe(str(d)) + "\n")
    n, files = len(lib.diagnostics), len(lib.files)
    problem_files = len({d.path for d in lib.diagnostics})
    if n:
        out.write(f"{n} problem{'s' * (n != 1)} in {problem_files} of {files} file{'s' * (files != 1)}"
                  f" ({len(lib.papers)} papers)\n")
        return EXIT_PROBLEMS
    out.write(f"no problems in {files} file{'s' * (files != 1)} ({len(lib.papers)} papers)\n")
    return 0


_ACTIONS = {"read": ("read", True), "unread": ("read", False), "star": ("starred", True),
            "unstar": ("starred", False)}


def cmd_mark(args: argparse.Namespace, out: TextIO) -> int:
    from .model import parse_arxiv_id
    from .state import StateError

    keys = []
    for raw in args.ids:
        parsed = parse_arxiv_id(raw)
        if parsed is None:
            raise UsageError(f"not an arXiv identifier: {_safe(raw)!r}")
        keys.append(parsed[0])
    field, value = _ACTIONS[args.action]
    store = _open_store()
    try:
        store.apply([(k, field, value) for k in dict.fromkeys(keys)])
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    _push_sync()
    return 0


def _paper_key(raw: str) -> str:
    from .model import parse_arxiv_id

    parsed = parse_arxiv_id(raw)
    if parsed is None:
        raise UsageError(f"not an arXiv identifier: {_safe(raw)!r}")
    return parsed[0]


def cmd_tag(args: argparse.Namespace, out: TextIO) -> int:
    from .state import StateError, valid_tag

    key = _paper_key(args.id)
    for tag in args.tags:
        problem = valid_tag(tag)
        if problem:
            raise UsageError(f"{problem}: {_safe(tag)!r}")
    store = _open_store()
    try:
        if args.command == "tag":
            store.set_tag(key, args.tags)
        else:
            store.remove_tag(key, args.tags)
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    _push_sync()
    return 0


def cmd_note(args: argparse.Namespace, out: TextIO) -> int:
    from .state import StateError, valid_note

    key = _paper_key(args.id)
    text: str = args.text
    if text == "-":
        data = sys.stdin.buffer.read(MAX_NOTE_READ)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("the note on standard input is not UTF-8 text") from None
        text = text.removesuffix("\n")  # `echo text |` adds one
    problem = valid_note(text)
    if problem:
        raise UsageError(problem)
    store = _open_store()
    try:
        store.set_note(key, text)
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    _push_sync()
    return 0


MAX_NOTE_READ = 64 * 1024 + 2  # just past the limit, so an over-long note is refused, not cut


def cmd_journal(args: argparse.Namespace, out: TextIO) -> int:
    from . import journal
    from .state import StateError

    try:
        since = journal.parse_since(args.since) if args.since is not None else None
    except ValueError as err:
        raise UsageError(str(err)) from None
    lib = _load_library(args.paths, args.config)
    titles = {p.key: p.title for p in lib.papers}
    store = _open_store()
    try:
        events = store.history(since)
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    if args.format == "json":
        lines = journal.json_lines(events, titles.get)  # raw titles, as `list --json` gives them
    else:
        from .text import display_title

        lines = journal.markdown(events, lambda key: display_title(titles[key]) if key in titles else None)
    for line in lines:
        out.write(line)
    return 0


def cmd_state(args: argparse.Namespace, out: TextIO) -> int:
    from .state import StateError, read_events_jsonl, write_events_jsonl

    if args.state_command == "export":
        write_events_jsonl(_open_store().export_events(), out)
        return 0
    try:
        if args.file == "-":
            events, problems = read_events_jsonl(sys.stdin, "<stdin>")
        else:
            with open(args.file, encoding="utf-8", errors="replace") as fh:
                events, problems = read_events_jsonl(fh, args.file)
    except OSError as err:
        raise UsageError(f"cannot read {_safe(args.file)}: {err.strerror}") from None
    if problems and not events:
        raise UsageError(f"{_safe(args.file)} is not a marks file written by `arxiv-reader state export`"
                         f" (no valid line); nothing imported")
    store = _open_store()
    for problem in problems:
        print(f"arxiv-reader: warning: {_safe(problem)}", file=sys.stderr)
    try:
        changed = store.merge(events)
    except StateError as err:
        raise Failure(_safe(str(err))) from None
    _push_sync()
    out.write(f"imported {len(events)} marks, {changed} changed the state\n")
    if problems:
        out.write(f"{len(problems)} damaged line{'s' * (len(problems) != 1)} skipped\n")
        return EXIT_PROBLEMS
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from .export import export_text

    fmt = args.format
    if fmt is None:
        suffix = os.path.splitext(args.output or "")[1].lower()
        fmt = next((f for f, s in SUFFIXES.items() if s == suffix), None)
        if fmt is None:
            raise UsageError("choose a format with --format bibtex|markdown|json")
    papers, indices, keys, store = _select(args, True)  # tags and notes go into every format
    chosen = [papers[i] for i in indices]
    if store is None:  # (not `if store`: an empty store has len() 0)
        text = export_text(fmt, chosen, _no, _no)
    else:
        text = export_text(fmt, chosen, store.is_read, store.is_starred, store.tags, store.note)
    if args.output is None or args.output == "-":
        out.write(text)
        return 0
    _write_atomically(args.output, text)
    print(f"exported {len(chosen)} paper{'s' * (len(chosen) != 1)} to {_safe(args.output)}", file=sys.stderr)
    return 0


def _no(key: str) -> bool:
    return False


def _write_atomically(target: str, text: str) -> None:
    import tempfile

    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".arxiv-export-", suffix=".tmp", dir=folder)
    except OSError as err:
        raise Failure(f"cannot write {_safe(target)}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as err:
        os.unlink(tmp)
        raise Failure(f"cannot write {_safe(target)}: {err.strerror or err}") from None


def cmd_config(args: argparse.Namespace, out: TextIO) -> int:
    from .config import show_config

    config: Config = args.config
    if args.config_command == "path":
        out.write(f"{config.path}\n")
    elif args.config_command == "show":
        out.write(show_config(config))
    else:
        _preview_rules(args, out)
        if args.config_problems:
            return EXIT_PROBLEMS
        out.write(f"no problems in {_safe(str(config.path))}\n")
    return 0


def _preview_rules(args: argparse.Namespace, out: TextIO) -> None:
    """Each watch and hide rule and each view on the newest digest: ``levine: 3 of 400 in 2019-07-09 cs.CV``,
    ``view To read: 12 of 400 in 2019-07-09 cs.CV``."""
    from .config_check import preview_views
    from .library import LibraryError
    from .rules import preview
    from .search import Corpus

    rules = _rules(args)
    config = getattr(args, "config", None)
    views = config.views if isinstance(config, Config) else {}
    if not rules and not views:
        return
    what = "rules" if not views else "views" if not rules else "rules and views"
    try:
        lib = _load_library([], args.config)
    except (UsageError, Failure, LibraryError) as err:
        out.write(f"{what} not previewed: {err}\n")
        return
    dated = [(p.date, p.category or "") for p in lib.papers if p.date]
    if not dated:
        out.write(f"{what} not previewed: no dated digest in the library\n")
        return
    newest = max(dated)
    rows = [i for i, p in enumerate(lib.papers) if (p.date, p.category or "") == newest]
    corpus, label = Corpus.build(lib.papers), f"{newest[0]} {newest[1]}".strip()
    lines = preview(rules, corpus, rows, label) if rules else []
    for line in lines + preview_views(views, corpus, rows, label):
        out.write(_safe(line) + "\n")


def _load_config() -> tuple[Config, list[str]]:
    path = config_dir() / "config.toml"
    try:
        config, problems = load_config(path)
        from .config_check import query_problems

        problems += query_problems(config)
        if config.keys:  # the key names and binding ids are Textual's: loaded only when remapped
            from .ui.keycheck import check_keys

            config.keys, key_problems = check_keys(config)
            problems += key_problems
    except Exception as err:  # never a traceback for a config file
        return Config(path=path), [f"{path}:1: {err}; using the defaults"]
    from .rules import load_rules

    return config, problems + load_rules(path)[1]


def cmd_app(paths: Sequence[str]) -> int:
    from .library import LibraryError, find_digests

    try:
        config = _load_config()[0]
        targets = _default_paths(paths, config)
        find_digests(targets, config.file_patterns)  # fail on a missing path before the screen is taken over
    except LibraryError as err:
        raise UsageError(_safe(str(err))) from None
    from .ui.app import run

    code: int = run(targets)
    return code


class _PipeOut:
    """stdout that survives a closed pipe (`check FILE | head`): once the reader is gone, the rest
    is dropped, and the command still finishes and returns its own exit code."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError):  # no message from Python's own flush at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = cast(TextIO, _PipeOut(sys.stdout))
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = _build_parser().parse_args(argv)
            args.config, args.config_problems = _load_config()
            _SYNC.clear()
            _SYNC["config"] = args.config
            for problem in args.config_problems:
                print(_safe(problem), file=sys.stderr)
            handler = {"list": cmd_list, "check": cmd_check, "mark": cmd_mark, "state": cmd_state,
                       "export": cmd_export, "config": cmd_config, "fetch": cmd_fetch, "tag": cmd_tag,
                       "untag": cmd_tag, "note": cmd_note, "journal": cmd_journal, "sync": cmd_sync}
            code = handler[args.command](args, out)
        elif argv and argv[0] in ("-h", "--help"):
            _build_parser().print_help()
            code = 0
        else:
            code = cmd_app(_app_parser().parse_args(argv).paths)
        out.flush()
        return code
    except UsageError as err:
        print(f"arxiv-reader: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Failure as err:
        print(f"arxiv-reader: error: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:
        # The reader of our output went away (`arxiv-reader list | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as err:  # e.g. stdout on a full disk
        print(f"arxiv-reader: error: {err.strerror or err}", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":
    raise SystemExit(main())
