"""The app's part of watch and hide rules and of the list's order (the logic is UI-free, in
reader/keeping.py): loading the rules, evaluating them in a worker when the corpus is ready or a
mark changed an answer, `S` cycling the order, and the pane's facts. Functions taking the app,
so `ReaderApp` stays a thin wiring class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..keeping import ORDER_LABELS, PaperFacts
from ..seen import store_lookups
from . import smart_wiring

if TYPE_CHECKING:
    from ..rules import RuleMatches
    from ..search import Corpus
    from .app import ReaderApp


def start(app: ReaderApp) -> None:
    """Read the rules of the config file; each problem is told once (the rule is skipped)."""
    keep = app.session.keep
    keep.load(app.config.path)
    app.session.unread_on_update = app.config.unread_on_update
    for problem in keep.problems:
        app.say(problem, "warning")
    app.paper_list.keep = keep


def corpus_ready(app: ReaderApp, corpus: Corpus) -> None:
    """Evaluate the rules over a new corpus (only its new parts are searched)."""
    if app.session.keep.rules:
        _evaluate(app, corpus)  # the smart views follow the rules' answers
    else:
        smart_wiring.evaluate(app, corpus)


def marks_changed(app: ReaderApp) -> None:
    """A mark may change what a rule about marks says: evaluate again."""
    if app.session.keep.about_marks and app.corpus is not None:
        _evaluate(app, app.corpus)


def _evaluate(app: ReaderApp, corpus: Corpus) -> None:
    session = app.session

    def work() -> None:
        lookups = store_lookups(session.store, session.papers, session.keys)
        matches = session.keep.evaluate(corpus, session.marks.is_read, session.marks.is_starred, lookups)
        app.call_from_thread(_apply, app, corpus, matches)

    app.run_worker(work, thread=True, exclusive=True, group="rules", description="rules")


def _apply(app: ReaderApp, corpus: Corpus, matches: RuleMatches) -> None:
    if corpus is not app.corpus or matches.n != len(app.session.papers):
        return  # a newer library is on its way
    app.session.keep.matches = matches
    if app.session.apply_hidden():  # hidden papers leave the navigator's counts
        app.refresh_navigator()
    reshow(app)
    smart_wiring.rules_changed(app)


def reshow(app: ReaderApp) -> None:
    """Show the view again under the current rules and order (the filter, if any, runs again)."""
    session = app.session
    session.set_view(session.view)
    app.paper_list.refresh_papers(None)
    if app.filter_bar.value.strip():
        app._start_filter(app.filter_bar.value)
    else:
        app._apply_filter(None, "", session.rows, session.unread_shown)


def cycle_order(app: ReaderApp) -> None:
    """`S`: digest order, match score, watch score (skipping what has nothing to rank by)."""
    session, keep = app.session, app.session.keep
    order = keep.next_order()
    if order == "watch" and not keep.rules.watch:
        order = keep.next_order()
    session.rank = order == "match"
    app.say(ORDER_LABELS[order].capitalize() + ".")
    reshow(app)


def facts(app: ReaderApp, index: int) -> PaperFacts:
    session = app.session
    return session.keep.facts(session.store, session.papers[index], session.keys[index], index)
