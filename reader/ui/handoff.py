"""The app's keys for keeping and handing off papers: selection (`v`, `V`, Esc), `Y`, `t`, `N`, `R`.

A mixin of `ReaderApp`, so that the App class stays a thin wiring class. The UI-free parts
live in reader/selection.py (the selection in the session), reader/handoff.py (BibTeX for
OSC 52 or a file), reader/tagging.py (the tag input's words) and reader/fetch.py.

Tags and notes are written like marks: through the session's writer thread, and said to be
done ("2 papers tagged ml") only once the store has them on disk; a failed write changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..handoff import plan_bibtex, size_text, write_file
from ..marks import Change, WriteReport, describe
from ..paths import user_dir
from ..state.fields import NOTE, TAG_PREFIX
from ..tagging import TagChange, tag_changes
from ..text import sanitize
from .keep_screens import NoteScreen, TagScreen

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from ..config import Config
    from ..fetch import Outcome
    from ..session import Session
    from .dwell import Dwell
    from .live import LiveLibrary
    from .paper_list import PaperList

    _Base = App[int]
else:
    _Base = object


@dataclass
class FetchProgress(Message):
    """One category fetched (or failed) by `R`; `outcome` None when the fetch is starting."""

    outcome: Outcome | None
    done: int
    total: int


@dataclass
class FetchDone(Message):
    """`R` finished every category."""

    outcomes: list[Outcome]
    error: str | None = None


def _lookup(app: HandoffActions, name: str) -> Callable[..., Any] | None:
    """The store's tags/note/all_tags lookups (None for a store that keeps no tags)."""
    found = getattr(app.session.store, name, None)
    return found if callable(found) else None


class HandoffActions(_Base):
    """Selection, `Y`, `t`, `N` and `R` for `ReaderApp`."""

    if TYPE_CHECKING:  # what ReaderApp provides
        session: Session
        paper_list: PaperList
        config: Config
        dwell: Dwell
        live: LiveLibrary

        def say(self, message: str, severity: SeverityLevel = "information") -> None: ...
        def _update_status(self) -> None: ...
        def _mark(self, refused: str | None) -> None: ...

    fetch_activity: str = ""
    """What the status bar says about a running fetch ("" when none runs)."""

    # -- wiring ---------------------------------------------------------------------------------
    def handoff_mount(self) -> None:
        session = self.session
        self.paper_list.is_selected = lambda i: session.keys[i] in session.selection
        if self.config.fetch_on_start:
            self.action_fetch(quiet=True)

    def handoff_status(self) -> dict[str, Any]:
        """The status bar's selection and fetch parts."""
        session = self.session
        return {"selected": len(session.selection), "selected_hidden": session.selection_hidden(),
                "activity": self.fetch_activity}

    def handoff_saved(self, report: WriteReport) -> None:
        """A write reached the disk: say what a tag or note change did (marks say nothing)."""
        changes = report.changes
        if report.error is not None or not changes or changes[0][1] in ("read", "starred"):
            return
        if all(f.startswith(TAG_PREFIX) for _, f, _ in changes):
            papers = len({k for k, _, _ in changes})
            words = dict.fromkeys(("+" if v else "-") + f[len(TAG_PREFIX):] for _, f, v in changes)
            self.say(f"Tags of {papers:,} paper{'s' * (papers != 1)}: {' '.join(words)}")
            return
        done = describe(changes)
        self.say(done[:1].upper() + done[1:] + ".")

    # -- selection ------------------------------------------------------------------------------
    def _selection_changed(self, indices: Sequence[int] | None) -> None:
        self.paper_list.refresh_papers(indices)
        self._update_status()

    def action_select(self) -> None:
        if (index := self.paper_list.selected) is not None:
            self.session.toggle_selected(index)
            self._selection_changed([index])

    def action_select_all(self) -> None:
        added = self.session.select_shown()
        self.say(f"{added:,} more selected; {len(self.session.selection):,} in all (Esc clears).")
        self._selection_changed(None)

    def clear_paper_selection(self) -> bool:
        """Esc in the list: clear the selection first; False when there was none."""
        if not self.session.selection.clear():
            return False
        self.say("Selection cleared.")
        self._selection_changed(None)
        return True

    def act_on_selection(self, field: str) -> bool:
        """`m`/`s` with a selection: mark all of it (DECISIONS: any not set -> set all, else clear all)."""
        if not self.session.selection:
            return False
        self.dwell.stop()
        self._mark(self.session.set_selected(field))
        return True

    def mark_all_targets(self) -> tuple[str, list[str]]:
        """`A`: the selection's unread papers when there is a selection, else the shown ones."""
        if self.session.selection:
            return "selected", self.session.unread_selected_keys()
        return "shown", self.session.unread_shown_keys()

    # -- Y: BibTeX to the clipboard -------------------------------------------------------------
    def action_copy_bibtex(self) -> None:
        session = self.session
        papers = [p for k in session.target_keys(self.paper_list.selected) if (p := session.paper_of(k))]
        if not papers:
            self.say("No paper to copy.", "warning")
            return
        limit = self.config.osc52_max_kb
        plan = plan_bibtex(papers, limit, _lookup(self, "tags"), _lookup(self, "note"))
        if plan.fits:
            self.copy_to_clipboard(plan.text)
            self.say(f"Sent to the clipboard: {plan.describe()}")
            return
        try:
            path = write_file(plan.text, user_dir("data"))
        except OSError as err:
            self.say(f"Cannot write the BibTeX file: {err}", "error")
            return
        self.say(f"{plan.describe()} is over osc52_max_kb ({size_text(int(limit * 1024))}); "
                 f"not sent, written to {path}", "warning")

    # -- t and N: tags and notes ---------------------------------------------------------------
    def _targets(self) -> tuple[list[str], str]:
        """The keys `t` acts on and how to name them ("3 selected papers", "arXiv:1907.03739")."""
        session = self.session
        keys = [k for k in session.target_keys(self.paper_list.selected) if session.marks.index.indices(k)]
        if session.selection:
            return keys, f"{len(keys):,} selected paper{'s' * (len(keys) != 1)}"
        paper = session.paper_of(keys[0]) if keys else None
        return keys, (paper.id or session.titles[self.paper_list.selected or 0][:50]) if paper else ""

    def action_tag(self) -> None:
        keys, name = self._targets()
        all_tags, tags = _lookup(self, "all_tags"), _lookup(self, "tags")
        if not keys or all_tags is None or tags is None:
            self.say("No paper to tag." if not keys else "The marks are still loading.", "warning")
            return
        current = sorted(tags(keys[0])) if len(keys) == 1 else []
        self.push_screen(TagScreen(name, list(all_tags()), current),
                         lambda changes: self._apply_tags(keys, changes, tags))

    def _apply_tags(self, keys: list[str], changes: list[TagChange] | None,
                    tags: Callable[[str], Sequence[str]]) -> None:
        if not changes:
            return
        new = tag_changes(keys, changes)
        before: list[Change] = [(k, f, f[len(TAG_PREFIX):] in tags(k)) for k, f, _ in new]
        self._mark(self.session.marks.submit(new, before=before))

    def action_note(self) -> None:
        index = self.paper_list.selected
        note = _lookup(self, "note")
        if index is None or note is None:
            self.say("No paper to write a note on." if index is None else "The marks are still loading.", "warning")
            return
        key, paper = self.session.keys[index], self.session.papers[index]
        old = note(key) or ""
        shown = sanitize(old)  # a note from another machine or the CLI may hold escape sequences
        self.push_screen(NoteScreen(paper.id or self.session.titles[index][:50], shown),
                         lambda text: self._apply_note(key, old, shown, text))

    def _apply_note(self, key: str, old: str, shown: str, text: str | None) -> None:
        if text is None:
            return
        text = sanitize(text)  # a paste may hold controls: nothing a terminal acts on is kept
        if text == shown:
            self.say("Note unchanged.")
            return
        self._mark(self.session.marks.submit([(key, NOTE, text or None)], before=[(key, NOTE, old or None)]))

    # -- R: fetch -------------------------------------------------------------------------------
    def action_fetch(self, quiet: bool = False) -> None:
        config = self.config
        if config.library is None or not config.categories:
            missing = "library" if config.library is None else "categories"
            self.say(f"R fetches into the configured library: set {missing} in {config.path or 'config.toml'}",
                     "warning")
            return
        if self.fetch_activity:
            if not quiet:
                self.say("A fetch is already running.")
            return
        library, categories = config.library, list(config.categories)
        self.fetch_activity = f"fetching 0/{len(categories)}…"
        self._update_status()

        def fetch() -> None:
            from ..fetch import Fetcher, Settings, fetch_all

            fetcher = Fetcher(Settings.from_config(config))
            done: list[Outcome] = []

            def report(outcome: Outcome) -> None:
                done.append(outcome)
                self.post_message(FetchProgress(outcome, len(done), len(categories)))

            try:
                outcomes = fetch_all(fetcher, library, categories, report)
                watcher = self.live.watcher
                if watcher is not None and any(o.status in ("saved", "updated") for o in outcomes):
                    watcher.poll()  # the new digests show now rather than at the next poll
                self.post_message(FetchDone(outcomes))
            except Exception as err:  # never a traceback: say it in the status line
                self.post_message(FetchDone(done, str(err) or err.__class__.__name__))

        # A daemon thread rather than a worker: `q` must not wait for a slow server (a worker's
        # thread is joined at exit). Each file is written atomically, so quitting loses no digest.
        threading.Thread(target=fetch, name="fetch", daemon=True).start()

    def on_fetch_progress(self, message: FetchProgress) -> None:
        outcome = message.outcome
        self.fetch_activity = f"fetching {message.done}/{message.total}…"
        if outcome is not None and outcome.status == "failed":
            self.say(outcome.line, "error")
        self._update_status()

    def on_fetch_done(self, message: FetchDone) -> None:
        self.fetch_activity = ""
        counts: dict[str, int] = {}
        for outcome in message.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing fetched"
        if message.error is not None:
            summary += f"; stopped: {message.error}"
            counts["failed"] = 1
        library = self.config.library
        if library is not None and (counts.get("saved") or counts.get("updated")) and not self.live.shows(library):
            self.say(f"R fetched into {library}, which this window does not show; "
                     "arxiv-reader with no PATH opens it.", "warning")
        self.say(f"Fetch done: {summary}.", "error" if counts.get("failed") else "information")
        self._update_status()
