"""The library over every format: which files it picks up, what it skips, how listings of one
paper in several files merge (DECISIONS, "One paper, several listings"), and the parse cache."""

from __future__ import annotations

import shutil
from pathlib import Path

from reader.library import DIGEST_PATTERNS, ParseCache, load, merge_papers, skipped_summary
from reader.model import Paper

REAL = Path(__file__).parent / "data" / "real"


def listing(ident, date, *, version=None, title="T", abstract="A", category="cs.LG", announce="new",
            authors=(), comments=None, primary=None, line=1, path="f.md", categories=None) -> Paper:
    cats = categories if categories is not None else (category,)
    return Paper(ident, version, title, abstract, None, category, date, 1, path, line, cats, authors, comments,
                 announce, primary or category, date)


def test_default_patterns_cover_every_format():
    assert DIGEST_PATTERNS == ("*.md", "*.txt", "*.xml", "*.atom", "*.rss", "*.rdf", "*.eml", "*.mbox")


def test_a_folder_of_every_real_format_loads_without_problems(tmp_path):
    shutil.copytree(REAL, tmp_path / "lib")
    (tmp_path / "lib" / "notes.txt").write_text("a shopping list\n")
    (tmp_path / "lib" / "picture.png").write_bytes(b"\x89PNG")  # not a digest pattern: never opened
    lib = load([tmp_path / "lib"])
    assert sorted(p.name for p in lib.skipped) == ["SOURCES.md", "notes.txt"]
    assert skipped_summary(lib) == "2 files skipped: no known format"
    assert lib.diagnostics == [] and len(lib.files) == 11
    # 1,031 listings; the table lists 46 papers twice or more, and no paper is in two files
    assert len(lib.papers) == 1031 - 46
    assert len({p.id for p in lib.papers}) == len(lib.papers)


def test_merge_takes_text_from_the_highest_version_and_place_from_the_newest_listing():
    rss_v2 = listing("2401.00001", "2024-02-01", version="2", title="New title", abstract="New abstract",
                     category="math.OC", announce="replace", authors=("A", "B"), comments="v2 comments", line=7)
    mail_v1 = listing("2401.00001", "2024-01-05", version="1", title="Old title", abstract="Old",
                      category="cs.LG", announce="new", authors=("A",), primary="cs.LG", path="m.txt")
    later_mail_replace = listing("2401.00001", "2024-03-01", title="Replaced", abstract="", category="cs.AI",
                                 announce="replace", path="r.txt", line=3)
    other = listing("2402.00002", "2024-02-02")
    merged = merge_papers([mail_v1, other, rss_v2, later_mail_replace])
    assert [p.id for p in merged] == ["2402.00002", "2401.00001"]  # in the place of the newest listing
    p = merged[1]
    assert (p.title, p.abstract, p.authors, p.comments, p.version) == (
        "New title", "New abstract", ("A", "B"), "v2 comments", "2")
    assert (p.date, p.category, p.path, p.line, p.announce) == ("2024-03-01", "cs.AI", "r.txt", 3, "replace")
    assert set(p.categories) == {"cs.LG", "math.OC", "cs.AI"}
    assert p.first_seen == "2024-01-05"
    assert p.primary_category == "cs.LG"  # no format named one: the first listing's category


def test_merge_keeps_the_primary_category_a_format_gives():
    md = listing("2303.00763", "2023-03-03", category="astro-ph.GA", version="2")
    mail = listing("2303.00763", "2023-03-02", category="astro-ph", primary="astro-ph.CO",
                   categories=("astro-ph.CO", "astro-ph.GA", "astro-ph"))
    [p] = merge_papers([md, mail])
    assert p.primary_category == "astro-ph.CO" and p.categories[0] == "astro-ph.CO"
    assert set(p.categories) == {"astro-ph.CO", "astro-ph.GA", "astro-ph"}


def test_merge_on_equal_versions_the_newest_listing_wins_and_empty_fields_fall_back():
    a = listing("2401.00001", "2024-01-05", title="First", abstract="Has an abstract", comments="c")
    b = listing("2401.00001", "2024-01-06", title="Second", abstract="")
    [p] = merge_papers([a, b])
    assert (p.title, p.abstract, p.comments, p.date, p.first_seen) == ("Second", "Has an abstract", "c",
                                                                         "2024-01-06", "2024-01-05")


def test_a_search_result_never_counts_as_the_newest_listing():
    dated = listing("2401.00001", "2024-01-05", category="cs.LG")
    search = listing("2401.00001", None, category=None, categories=("cs.LG", "stat.ML"), announce=None,
                     version="3", title="Newest text", primary="cs.LG", path="s.xml")
    for order in ([dated, search], [search, dated]):
        [p] = merge_papers(order)
        assert (p.date, p.path, p.title, p.version) == ("2024-01-05", "f.md", "Newest text", "3")
        assert p.first_seen == "2024-01-05" and set(p.categories) == {"cs.LG", "stat.ML"}


def test_papers_listed_once_pass_through_unchanged():
    papers = [listing(f"2401.{i:05d}", "2024-01-05") for i in range(1, 50)] + [listing(None, "2024-01-05")]
    assert merge_papers(papers) == papers


def test_the_cache_keeps_every_new_field(tmp_path):
    shutil.copy(REAL / "arxiv-mailing-astro-ph-2023-03-02.txt", tmp_path)
    shutil.copy(REAL / "arxiv-api-atom-2026.xml", tmp_path)
    cache = ParseCache(tmp_path / "cache")
    first = load([tmp_path], cache=cache)
    again = load([tmp_path], cache=cache)
    assert again.papers == first.papers and len(again.papers) == 107
    assert again.digests == first.digests
    assert any(p.authors and p.comments and p.announce for p in again.papers)


def test_generated_mail_digests_parse_back_to_the_same_papers(tmp_path):
    from reader.devtools.generate import generate, main

    md = load(generate(tmp_path / "md", days=2, per_day=30))
    mail = load(generate(tmp_path / "mail", days=2, per_day=30, fmt="mail"))
    assert mail.diagnostics == [] and len(mail.papers) == 60
    assert [p.id for p in mail.papers] == [p.id for p in md.papers]
    assert all(p.authors and p.abstract for p in mail.papers)
    assert [(d.category, d.date) for d in mail.digests] == [("cs.CV", "2019-01-02"), ("cs.CL", "2019-01-03")]
    assert {p.announce for p in mail.papers} == {"new", "cross", "replace"}
    assert main([str(tmp_path / "cli"), "--days", "1", "--per-day", "5", "--format", "mail"]) == 0
    assert [p.suffix for p in (tmp_path / "cli").iterdir()] == [".txt"]
