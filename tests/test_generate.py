"""The synthetic digest generator used by the benchmarks and the large tests."""

from __future__ import annotations

import hashlib

from reader.devtools.generate import generate, main, papers
from reader.library import load


def digest_of(paths):
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def test_same_arguments_same_bytes_and_every_paper_parses(tmp_path):
    a = generate(tmp_path / "a", days=3, per_day=50)
    b = generate(tmp_path / "b", days=3, per_day=50)
    assert digest_of(a) == digest_of(b)
    assert digest_of(generate(tmp_path / "c", days=3, per_day=50, seed=1)) != digest_of(a)
    lib = load([tmp_path / "a"])
    assert len(lib.papers) == 150 and lib.diagnostics == []
    assert len({p.id for p in lib.papers}) == 150
    assert sorted(p.date for p in lib.papers[::50]) == ["2019-01-01", "2019-01-02", "2019-01-03"]


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "d"), "--days", "2", "--per-day", "10"]) == 0
    assert "2 digests, 20 papers" in capsys.readouterr().out
    assert len(list((tmp_path / "d").glob("*.md"))) == 2


def test_papers_without_files():
    got = papers(1000)
    assert len(got) == 1000 and len({p.id for p in got}) == 1000 and all(p.abstract == "" for p in got)
