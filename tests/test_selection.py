"""The selection, tag input words and the BibTeX hand-off, without any UI."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pybtex.database
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.handoff import plan_bibtex, write_file
from reader.selection import Selection, target_value
from reader.state import StateStore
from reader.state.fields import valid_tag
from reader.tagging import complete, parse_tag_input, tag_changes
from reader.ui.abstract_pane import safe_url

from .test_session import FIRST, SECOND, THIRD, Harness, disk


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    store = StateStore(tmp_path / "state")
    store.load()
    return Harness(store)


def test_selection_toggles_adds_and_clears() -> None:
    sel = Selection()
    assert not sel and len(sel) == 0
    assert sel.toggle("a") is True and "a" in sel
    assert sel.add(["a", "b", "c"]) == 2
    assert sel.toggle("a") is False and sel.keys == ["b", "c"]
    assert sel.hidden(["b", "x"]) == 1
    assert sel.clear() == 2 and not sel and sel.hidden([]) == 0


def test_mixed_rule_sets_all_if_any_is_not_set_else_clears_all() -> None:
    assert target_value(["a", "b"], {"a": True, "b": False}.__getitem__) is True
    assert target_value(["a", "b"], {"a": False, "b": False}.__getitem__) is True
    assert target_value(["a", "b"], {"a": True, "b": True}.__getitem__) is False


def test_selection_survives_filter_and_counts_hidden(harness: Harness) -> None:
    session = harness.session
    session.toggle_selected(harness.index(FIRST))
    session.toggle_selected(harness.index(SECOND))
    harness.filter(FIRST)
    assert len(session.selection) == 2 and session.selection_hidden() == 1
    session.clear_filter()
    assert session.selection_hidden() == 0
    harness.filter(THIRD)
    assert session.select_shown() == 1 and session.selection_hidden() == 2
    assert session.target_keys(None) == session.selection.keys


def test_marking_a_mixed_selection_sets_all_then_clears_all(harness: Harness, tmp_path: Path) -> None:
    session = harness.session
    for key in (FIRST, SECOND, THIRD):
        session.toggle_selected(harness.index(key))
    assert session.toggle(harness.index(FIRST), "read") is None
    harness.settle()
    assert session.set_selected("read") is None  # one read, two not: all become read
    harness.settle()
    store = disk(tmp_path)
    assert all(store.is_read(k) for k in (FIRST, SECOND, THIRD))
    assert session.set_selected("read") is None  # all read: all become unread
    harness.settle()
    store = disk(tmp_path)
    assert not any(store.is_read(k) for k in (FIRST, SECOND, THIRD))
    assert session.unread_selected_keys() == [FIRST, SECOND, THIRD]


def test_tags_go_through_the_writer_and_undo(harness: Harness, tmp_path: Path) -> None:
    session = harness.session
    changes, error = parse_tag_input("ml -old")
    assert error is None
    store = session.store
    assert isinstance(store, StateStore)
    store.set_tag(FIRST, "old")
    new = tag_changes([FIRST, SECOND], changes)
    before = [(k, f, f[4:] in store.tags(k)) for k, f, _ in new]
    assert session.marks.submit(new, before=before) is None
    [report] = harness.settle()
    assert report.error is None and report.undo is not None
    assert disk(tmp_path).tags(FIRST) == ("ml",) and disk(tmp_path).tags(SECOND) == ("ml",)
    assert session.marks.read.count(1) == 0 and session.marks.starred.count(1) == 0  # no flag touched
    assert session.undo() is not None
    harness.settle()
    assert disk(tmp_path).tags(FIRST) == ("old",) and disk(tmp_path).tags(SECOND) == ()


def test_tag_input_words() -> None:
    assert parse_tag_input("a -b a") == ([("a", True), ("b", False)], None)
    assert parse_tag_input("")[1] is not None
    assert parse_tag_input("-")[1] == "a tag cannot be empty"
    assert "64" in (parse_tag_input("x" * 65)[1] or "")
    assert parse_tag_input("ok bad\u202etag")[1] is not None  # a bidi control is refused


def test_completion_completes_the_last_word_keeping_the_rest() -> None:
    known = ["diffusion", "Detection", "ml"]
    assert complete("ml dif", known) == "ml diffusion"
    assert complete("-det", known) == "-detection"  # the typed prefix is kept as typed
    assert complete("ml ", known) is None and complete("zz", known) is None and complete("ml", known) is None


def test_bibtex_plan_fits_or_goes_to_a_file(harness: Harness, tmp_path: Path) -> None:
    session = harness.session
    papers = [session.papers[harness.index(k)] for k in (FIRST, SECOND, THIRD, FIRST)]
    plan = plan_bibtex(papers, 100, lambda k: ("ml",), lambda k: "see {x}")
    assert plan.fits and plan.entries == 3
    assert plan.describe() == f"3 BibTeX entries, {plan.size / 1024:.1f} KB"
    parsed = pybtex.database.parse_string(plan.text, "bibtex")
    assert sorted(parsed.entries) == sorted(f"arxiv:{k}" for k in (FIRST, SECOND, THIRD))
    assert not plan_bibtex(papers, 0.5).fits
    path = write_file(plan.text, tmp_path / "data", dt.datetime(2026, 12, 6, 15, 0, 0))
    again = write_file(plan.text, tmp_path / "data", dt.datetime(2026, 12, 6, 15, 0, 0))
    assert path.name == "arxiv-2026-12-06-150000.bib" and again != path
    assert path.read_text(encoding="utf-8") == plan.text
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_PIECES = list("ab-_/[] :.()'") + ["\x1b", "\x07", "\x9b", "\u202e", "\n", "\t", "https://", "\x1b]52;c;", "é", "漢"]
_HOSTILE = st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=20).map("".join)


@given(_HOSTILE)
def test_tag_input_accepts_only_valid_names_and_says_why_in_one_printable_line(text: str) -> None:
    changes, error = parse_tag_input(text)
    if error is not None:
        assert changes == [] and error.isprintable()
    else:
        assert changes and all(valid_tag(name) is None and not _CONTROL.search(name) for name, _ in changes)


@given(_HOSTILE, st.lists(st.text(min_size=1, max_size=8).filter(lambda t: valid_tag(t) is None), max_size=5))
def test_completion_only_appends_to_what_was_typed(text: str, known: list[str]) -> None:
    completed = complete(text, known)
    assert completed is None or (completed.startswith(text) and len(completed) > len(text))


@given(_HOSTILE)
def test_osc8_links_carry_only_url_characters(text: str) -> None:
    from reader.ui.hyperlinks import link_spans

    for span in link_spans(text):
        url = span.style.link
        assert text[span.start:span.end] == url and safe_url(url) == url
        assert not _CONTROL.search(url) and url.startswith(("http://", "https://"))


@given(st.lists(st.text(max_size=30), min_size=1, max_size=3), st.text(max_size=40))
def test_handed_off_bibtex_holds_no_terminal_controls(titles: list[str], note: str) -> None:
    from reader.model import Paper

    papers = [Paper(id=f"1907.0{i:04}", version="1", title=t, abstract="", pdf_url=None, category="cs.CV",
                    date="2019-07-09", number=i + 1, path="x.md", line=i + 1, authors=(t,))
              for i, t in enumerate(titles)]
    plan = plan_bibtex(papers, 100, lambda k: ("ml",), lambda k: note)
    assert not _CONTROL.search(plan.text.replace("\n", ""))
