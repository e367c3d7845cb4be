"""Smart views, tags and Updated as navigator rows (reader/smart_views.py): `[views]` from the
config, their unread/total counts, and the counts after marks (read, star, tag) made here or
elsewhere, without running the views again."""

from __future__ import annotations

import calendar
import json
from pathlib import Path

import pytest

from reader.config import load_config
from reader.digests import ALL, digest_view
from reader.smart_views import TAGS_HEADER, UPDATED, VIEWS_HEADER, smart_views, tag_view, view_id
from reader.state import Event, StateStore
from tests.navlib import CROSS, PER_DIGEST, ident
from tests.test_config_cli import SEED, run
from tests.test_rules import ids, write_config
from tests.test_views import Harness

VIEWS = {"CL unread": "cat:cs.CL is:unread", "Cross": "ti:cross-listed", "Starred CV": "is:starred cat:cs.CV",
         "Tagged": "is:tagged"}


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    h = Harness(tmp_path)
    attach(h)
    return h


def attach(h: Harness) -> None:
    built = h.session.smart_rows(h.corpus, smart_views(VIEWS))
    assert built is not None and h.session.attach_smart_rows(built)


def counts(h: Harness, view: str) -> tuple[int, int]:
    nav = h.session.navigation
    assert nav is not None
    return nav.navigator.counts(view)


def row_views(h: Harness) -> list[str]:
    nav = h.session.navigation
    assert nav is not None
    return [r.view for r in nav.navigator.rows()]


def test_view_rows_with_counts(harness: Harness) -> None:
    cl = 3 * PER_DIGEST + 1  # three days of cs.CL, and the cross-listed paper
    assert counts(harness, view_id("CL unread")) == (cl, cl)
    assert counts(harness, view_id("Cross")) == (1, 1)
    assert counts(harness, view_id("Starred CV")) == (0, 0)
    views = row_views(harness)
    assert views[:4] == [ALL, "starred", "history", VIEWS_HEADER]  # after History: room kept for its row
    assert views[4:8] == [view_id(n) for n in VIEWS]
    assert TAGS_HEADER not in views and UPDATED not in views  # no tag in use, nothing updated


def test_counts_follow_read_star_and_tag_marks(harness: Harness) -> None:
    session = harness.session
    cl = 3 * PER_DIGEST + 1
    assert session.mark_read(harness.index(CROSS)) is None
    harness.settle()
    assert counts(harness, view_id("CL unread")) == (cl - 1, cl - 1)  # it left the view
    assert counts(harness, view_id("Cross")) == (0, 1)
    assert counts(harness, ALL) == (24, 25)
    assert counts(harness, digest_view("2019-07-09", "cs.CV")) == (PER_DIGEST, PER_DIGEST + 1)
    assert session.toggle(harness.index(CROSS), "starred") is None
    harness.settle()
    assert counts(harness, view_id("Starred CV")) == (0, 1)
    paper = ident("2019-07-08", "cs.CV", 2)
    assert session.marks.submit([(paper, "tag:ml", True), (CROSS, "tag:ml", True)]) is None
    harness.settle()
    assert counts(harness, tag_view("ml")) == (1, 2)
    assert counts(harness, view_id("Tagged")) == (1, 2)
    assert TAGS_HEADER in row_views(harness) and tag_view("ml") in row_views(harness)
    assert session.marks.submit([(paper, "tag:ml", False), (CROSS, "tag:ml", False)]) is None
    harness.settle()
    assert counts(harness, tag_view("ml")) == (0, 0) and tag_view("ml") not in row_views(harness)
    assert session.undo() is not None  # the star (tags given no `before` have no undo)
    harness.settle()
    assert counts(harness, view_id("Starred CV")) == (0, 0)


def test_a_view_row_shows_its_papers_and_the_filter_applies_within(harness: Harness) -> None:
    session = harness.session
    session.show(view_id("Cross"))
    assert session.view.id == view_id("Cross") and session.view.label == "Cross"
    assert [session.keys[i] for i in session.rows] == [CROSS]
    session.show(view_id("CL unread"))
    assert len(session.rows) == 3 * PER_DIGEST + 1
    harness.filter("cat:cs.CV")  # within the view: only the cross-listed paper is in both
    assert [session.keys[i] for i in session.rows] == [CROSS]


def test_counts_follow_marks_made_elsewhere(harness: Harness, tmp_path: Path) -> None:
    other = StateStore(tmp_path / "state")
    other.load()
    other.apply([(CROSS, "read", True)])
    reread = harness.session.reread_marks()
    assert reread.flags is not None and harness.session.replace_flags(*reread.flags)
    assert counts(harness, view_id("Cross")) == (0, 1)


def test_tags_already_in_the_store_are_rows(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    store.load()
    store.set_tag([CROSS, ident("2019-07-05", "cs.CL", 1)], "to-read")
    store.set_tag(CROSS, "ml")
    h = Harness(tmp_path)
    attach(h)
    assert counts(h, tag_view("to-read")) == (2, 2) and counts(h, tag_view("ml")) == (1, 1)
    nav = h.session.navigation
    assert nav is not None
    labels = [r.label for r in nav.navigator.rows()]
    assert labels[labels.index("Tags") + 1:labels.index("Tags") + 3] == ["#ml", "#to-read"]


def test_views_from_config_and_a_bad_query_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('dwell_seconds = 1\n\n[views]\n"To read" = "is:unread is:watched"\n'
                    'broken = \'ti:"unclosed\'\nempty = ""\nml = "tag:ml"\n', encoding="utf-8")
    config, problems = load_config(path)
    assert config.views == {"To read": "is:unread is:watched", "ml": "tag:ml"}
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}:5: views.broken: bad query")
    assert problems[1].startswith(f"{path}:6: views.empty: needs a query")
    path.write_text('views = "x"\n', encoding="utf-8")
    config, problems = load_config(path)
    assert config.views == {} and problems == [f"{path}:1: views: must be a table ([views]); ignored"]


# -- the CLI: `config check` previews the views; `unread_on_update` in `list`


def seen_again_library(tmp_path: Path) -> Path:
    """1907.03739 announced on 2019-07-08 and again on 2019-07-09."""
    folder = tmp_path / "digests"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    (folder / SEED.name).write_text(text, encoding="utf-8")
    head = "\n".join(text.split("\n")[:5]).replace("Tue, 9 Jul 2019", "Mon, 8 Jul 2019")
    (folder / "arxiv-cs.CV-2019-07-08.md").write_text(head + "\n", encoding="utf-8")
    return folder


def test_config_check_previews_each_view_and_reports_a_bad_one() -> None:
    write_config(f'library = "{SEED.parent}"\n[views]\n"Points" = "ti:point"\n"To read" = "is:unread ti:point"\n'
                 'bad = "date:2019-13"\n')
    proc = run("config", "check")
    assert proc.returncode == 1
    assert "view Points: 2 of 46 in 2019-07-09 cs.CV\n" in proc.stdout
    assert "view To read: 2 of 46 in 2019-07-09 cs.CV\n" in proc.stdout
    assert proc.stderr.strip().endswith('config.toml:5: views.bad: bad query: impossible date "2019-13"; view skipped')


@pytest.mark.parametrize("unread_on_update", [False, True])
def test_unread_on_update_in_list(tmp_path: Path, unread_on_update: bool) -> None:
    folder = seen_again_library(tmp_path)
    store = StateStore()
    store.load()
    read_8th = float(calendar.timegm((2019, 7, 8, 12, 0, 0)))
    store.merge([Event("1907.03739", "read", True, read_8th), Event("1907.03644", "read", True, read_8th)])
    write_config(f"unread_on_update = {'true' if unread_on_update else 'false'}\n")
    unread = ids("list", "--unread", str(folder))
    assert "1907.03644" not in unread  # listed once: read stays read
    assert ("1907.03739" in unread) is unread_on_update
    proc = run("list", "--json", str(folder))
    records = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert records["1907.03739"]["read"] is not unread_on_update and records["1907.03644"]["read"] is True
    assert ("1907.03739" in ids("list", "--query", "is:unread", str(folder))) is unread_on_update
    store.apply([("1907.03739", "read", True)])  # read again now: an ordinary mark
    assert "1907.03739" not in ids("list", "--unread", str(folder))


def test_a_hostile_view_name_never_reaches_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[views]\n"\\u001b[31mred" = "ti:x"\n"ok" = "ti:x"\n', encoding="utf-8")
    config, problems = load_config(path)
    assert config.views == {"ok": "ti:x"}
    assert len(problems) == 1 and "\x1b" not in problems[0] and "must be printable" in problems[0]


def test_a_paper_a_hide_rule_hides_counts_only_in_views_asking_is_hidden(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[hide]\ncross = "ti:cross-listed"\n', encoding="utf-8")
    keep = h.session.keep
    keep.load(config)
    keep.matches = keep.evaluate(h.corpus, h.session.marks.is_read, h.session.marks.is_starred, None)
    built = h.session.smart_rows(h.corpus, smart_views({**VIEWS, "Hidden": "is:hidden"}))
    assert built is not None and h.session.attach_smart_rows(built)
    assert counts(h, view_id("Cross")) == (0, 0)
    assert counts(h, view_id("Hidden")) == (1, 1)
    assert counts(h, view_id("CL unread")) == (3 * PER_DIGEST, 3 * PER_DIGEST)
    assert h.session.marks.submit([(CROSS, "tag:ml", True), (ident("2019-07-05", "cs.CL", 1), "tag:ml", True)]) is None
    h.settle()
    assert counts(h, tag_view("ml")) == (1, 1)  # the hidden paper is left out
