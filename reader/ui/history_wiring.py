"""The app's History row: the History list in place of the paper list, Enter and `u` on an event.

Functions taking the app, so that `ReaderApp` stays a thin wiring class (the model is UI-free, in
reader/recent.py). While History is shown the session keeps the paper view it showed before (the
status bar, `[`, `]` and the next start go by it); the keys that act on papers do nothing, since
no paper list is on screen: Enter on an event shows its paper in All, and the abstract pane shows
the paper of the event under the cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..digests import ALL, HISTORY
from ..recent import Entry, UndoOne, entries, submit_undo
from . import keep_wiring
from .history_list import HistoryList

if TYPE_CHECKING:
    from .app import ReaderApp

ALLOWED = frozenset({
    "quit", "help", "switch_pane", "toggle_navigator", "prev_digest", "next_digest", "overview", "redraw",
    "suspend", "fetch", "undo", "command_palette",
})
"""The app's actions that still work while History is shown (the others act on the paper list)."""


def mount(app: ReaderApp) -> None:
    """On mount: the (hidden) History list beside the paper list."""
    history = HistoryList(id="history")
    history.display = False
    history.on_move = lambda entry: _show_paper(app, entry)
    history.on_open = lambda entry: open_paper(app, entry)
    history.on_undo = lambda entry: undo(app, entry)
    history.on_back = lambda: app.show_view(app.session.view.id)
    app.history_list = history
    app.paper_list.parent.mount(history, after=app.paper_list)  # type: ignore[union-attr]


def shown(app: ReaderApp) -> bool:
    history: HistoryList | None = getattr(app, "history_list", None)
    return history is not None and bool(history.display)


def show(app: ReaderApp) -> None:
    """Choose the History row: the list of recent events, focused, loaded in a worker."""
    history = app.history_list
    if not history.display:
        history.waiting = True
        history.display = True
        app.paper_list.display = False
    app.navigator_panel.show_current(HISTORY)
    app.pending_restore = None  # the user chose a row: a streamed start's last view no longer applies
    app.screen.set_focus(history)
    reload(app)
    _show_paper(app, history.entry)
    app._update_status()


def hide(app: ReaderApp) -> None:
    """Another row was chosen: the paper list comes back (with the focus, if History had it)."""
    if not shown(app):
        return
    history = app.history_list
    had_focus = app.focused is history
    history.display = False
    history.undoing.clear()  # their "Undone" would come late, out of place; the rows show the result
    app.paper_list.display = True
    if had_focus:
        app.screen.set_focus(app.paper_list)
    app.call_after_refresh(lambda: None if shown(app) else app._show_selected())


def list_widget(app: ReaderApp) -> Any:
    """The list on screen: the History list or the paper list."""
    return app.history_list if shown(app) else app.paper_list


def reload(app: ReaderApp) -> None:
    """Read the history again (the live log and the history files) in a worker."""
    session = app.session
    store = session.store

    def title(key: str) -> str | None:
        indices = session.marks.index.indices(key)
        return session.titles[indices[0]] if indices and indices[0] < len(session.titles) else None

    def work() -> None:
        read = getattr(store, "history", None)
        try:
            events = read() if read is not None else []
        except Exception as err:  # StateError (an unreadable log): say so, show what there is
            app.call_from_thread(app.say, f"Cannot read the marks history: {err}", "error")
            events = []
        rows = entries(events, title)
        app.call_from_thread(_loaded, app, rows)

    app.run_worker(work, thread=True, exclusive=True, group="history", description="history")


def _loaded(app: ReaderApp, rows: list[Entry]) -> None:
    history = app.history_list
    history.set_entries(rows)
    for job in list(history.undoing):
        if job.done is not None or job.failed:
            history.undoing.remove(job)
        if job.done is not None:
            app.say(f"Undone: {job.entry.what} ({job.entry.when()}).")
    app._update_status()


def marks_changed(app: ReaderApp) -> None:
    """After marks were written (here or elsewhere): the list shows the new state."""
    if shown(app):
        reload(app)


def status(app: ReaderApp) -> dict[str, Any]:
    """The status bar's view part while History is shown."""
    history = app.history_list
    n = len(history.rows)
    where = f" {history.cursor + 1:,}/{n:,}" if n else ""
    return {"view": f"History{where}", "position": 0, "events": n,
            "hint": "Enter: go to the paper · u: undo the event"}


def blocks(app: ReaderApp, action: str) -> bool:
    """While History is shown, the keys that act on the (hidden) paper list do nothing."""
    return action not in ALLOWED and shown(app)


def _show_paper(app: ReaderApp, entry: Entry | None) -> None:
    """The abstract pane shows the paper of the event under the cursor."""
    if not shown(app):
        return
    session = app.session
    indices = session.marks.index.indices(entry.key) if entry is not None else ()
    if not indices:
        app.abstract_pane.show_paper(None)
    else:
        i, key = indices[0], session.keys[indices[0]]
        app.abstract_pane.show_paper(session.papers[i], session.titles[i],
                                     read=session.marks.confirmed(key, "read"),
                                     starred=session.marks.confirmed(key, "starred"),
                                     facts=keep_wiring.facts(app, i))
    app._update_status()


def open_paper(app: ReaderApp, entry: Entry) -> None:
    """Enter on an event: All, unfiltered, cursor on the event's paper."""
    session = app.session
    if not session.marks.index.indices(entry.key):
        app.say("That paper is not in the library.", "warning")
        return
    if app.filter_bar.value:
        app.filter_bar.value = ""
    app.show_view(ALL, entry.key)
    plist = app.paper_list
    if plist.selected is None or session.keys[plist.selected] != entry.key:
        app.say("That paper is hidden by a [hide] rule (is:hidden shows it).", "warning")


def undo(app: ReaderApp, entry: Entry) -> None:
    """`u` on an event: undo exactly that event, through the mark writer (shown once on disk)."""
    job = submit_undo(app.session.marks, entry)
    if isinstance(job, UndoOne):
        app.history_list.undoing.append(job)
    elif job != "closed":
        app.say(job, "warning")
