"""The app's part of smart views, tags and "Updated" as navigator rows (the model is UI-free, in
reader/smart_views.py and `Session.smart_rows`): build the rows in a worker once the search
corpus is ready (and again when the rules' answers or marks written elsewhere changed), then
show them. After a mark the counts follow without a worker (`Session.settle`). Functions
taking the app, so `ReaderApp` stays a thin wiring class."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from ..digests import ALL
from ..opening import has_newer_digest, load_last_view
from ..smart_views import SmartView, mentions_watch, smart_views

if TYPE_CHECKING:
    from ..search import Corpus
    from ..smart_views import SmartRows
    from .app import ReaderApp

_PARSED: list[tuple[tuple[tuple[str, str], ...], list[SmartView]]] = []
"""The last configured views and their parsed form (parsed once, not after every mark)."""


def views_of(app: ReaderApp) -> list[SmartView]:
    wanted = tuple(app.config.views.items())
    if not _PARSED or _PARSED[0][0] != wanted:
        _PARSED[:] = [(wanted, smart_views(app.config.views))]
    return _PARSED[0][1]


def evaluate(app: ReaderApp, corpus: Corpus | None = None) -> None:
    """Build the rows over the corpus in a worker (a newer build cancels an older one)."""
    corpus = corpus if corpus is not None else app.corpus
    if corpus is None:
        return
    session, views = app.session, views_of(app)

    def work() -> None:
        built = session.smart_rows(corpus, views)
        if built is not None and not get_current_worker().is_cancelled:  # a newer build is on its way
            app.call_from_thread(_attach, app, built)

    app.run_worker(work, thread=True, exclusive=True, group="smart-views", description="smart views")


def rules_changed(app: ReaderApp) -> None:
    """The watch and hide rules' answers changed: the rows are built again when a view asks
    about them or a hide rule takes papers out of the counts."""
    nav = app.session.navigation
    if (nav is None or "smart" not in nav.navigator.extras or mentions_watch(views_of(app))
            or app.session.keep.rules.hide):
        evaluate(app)


def _attach(app: ReaderApp, built: tuple[SmartRows, int, int]) -> None:
    if app.session.attach_smart_rows(built):
        app.refresh_navigator()  # the cursor stays on its row (the user may be moving it)
        _restore_last_view(app, built[0])


_OPENED: weakref.WeakSet[ReaderApp] = weakref.WeakSet()
"""Apps whose rows were attached once (the last view is restored only then)."""


def _restore_last_view(app: ReaderApp, rows: SmartRows) -> bool:
    """The first time the rows arrive: the app quit on one of them (and no newer digest came
    since), but it opened on All as the row did not exist yet: show that row now."""
    if app in _OPENED:
        return False
    _OPENED.add(app)
    nav = app.session.navigation
    if nav is None or app.session.view.id != ALL:
        return False
    last = load_last_view(app.paths)
    if last is None or not rows.has(last.view) or has_newer_digest(nav.navigator, last):
        return False
    app.show_view(last.view, last.cursor)
    return True
