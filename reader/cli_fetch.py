"""`arxiv-reader fetch` and `arxiv-reader sync status`: the commands that reach other machines."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .cli_args import API_MAX_DEFAULT, API_MAX_LIMIT, EXIT_PROBLEMS, Failure, UsageError, _safe
from .config import Config


def _fetch_plan(args: argparse.Namespace) -> tuple[list[str], int]:
    """The categories to fetch and the --max for --api; UsageError for what cannot be run."""
    from .fetch import bad_categories

    config: Config = args.config
    if args.max is not None and args.api is None:
        raise UsageError("--max goes with --api QUERY")
    max_results = API_MAX_DEFAULT if args.max is None else args.max
    if not 1 <= max_results <= API_MAX_LIMIT:
        raise UsageError(f"--max must be from 1 to {API_MAX_LIMIT}")
    if args.api is not None and not args.api.strip():
        raise UsageError("--api needs a search query, e.g. --api 'cat:cs.CV AND ti:diffusion'")
    categories = list(dict.fromkeys(args.categories or ([] if args.api is not None else config.categories)))
    bad = bad_categories(categories)
    if bad:
        raise UsageError(f"not an arXiv category: {_safe(bad[0])!r} (examples: cs.CV, quant-ph, math.AP)")
    if not categories and args.api is None:
        raise UsageError("no categories: name some (arxiv-reader fetch cs.CV) or set categories in "
                         f"{_safe(str(config.path))}")
    if config.library is None:
        raise UsageError(f'no library configured: set library = "~/arxiv" in {_safe(str(config.path))}')
    if not config.library.is_dir():
        raise UsageError(f"the library {_safe(str(config.library))} set in {_safe(str(config.path))}"
                         " is not an existing folder")
    return categories, max_results


def cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    from .fetch import Fetcher, Outcome, Settings, fetch_all, fetch_api

    categories, max_results = _fetch_plan(args)
    config: Config = args.config
    assert config.library is not None
    fetcher = Fetcher(Settings.from_config(config))

    def report(outcome: Outcome) -> None:
        stream = sys.stderr if outcome.status == "failed" else out
        stream.write(_safe(outcome.line) + "\n")
        stream.flush()

    outcomes = fetch_all(fetcher, config.library, categories, report)
    if args.api is not None:
        outcomes.append(fetch_api(fetcher, config.library, args.api, max_results))
        report(outcomes[-1])
    return EXIT_PROBLEMS if any(o.status == "failed" for o in outcomes) else 0


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    from .state import StateError, StateStore
    from .sync import SyncError, SyncFolder, status_lines
    config: Config = args.config
    if config.sync_dir is None:
        raise UsageError('sync is off: set sync_dir = "~/Sync/arxiv-reader" in ' + _safe(str(config.path)))
    try:
        lines = status_lines(SyncFolder(StateStore(), config.sync_dir))
    except (SyncError, StateError) as err:
        raise Failure(_safe(str(err))) from None
    out.write("".join(line + "\n" for line in lines))
    return 0
