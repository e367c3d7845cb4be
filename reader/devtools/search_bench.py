"""Timings of the search on synthetic papers: build, index, memory and per-keystroke latency.

    python -m reader.devtools.search_bench --papers 100000 --titles 0

Uses only the public API of `reader.search`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..formats import parse_bytes
from ..library import load
from ..model import Paper
from ..search import Corpus, Query, QueryError, Result, parse
from ..text import display_title
from .generate import digests
from .memory import status_mb


def _synthetic(n: int, abstracts: bool = True) -> list[Paper]:
    """`n` papers from the deterministic digest generator (400 a day); without `abstracts`, titles
    only (abstracts dropped digest by digest, so a million titles stay small)."""

    papers: list[Paper] = []
    per_day = 400
    for name, text in digests(-(-n // per_day), per_day):
        got = parse_bytes(text.encode("utf-8"), name).papers
        papers.extend(got if abstracts else (p._replace(abstract="") for p in got))
    return papers[:n]


def _typing(corpus: Corpus, text: str, narrow: bool, repeat: int) -> list[float]:
    """Milliseconds per keystroke of typing `text`, each prefix run on a fresh cache."""
    times = []
    for _ in range(repeat):
        corpus.clear_caches()
        prev_q: Query | None = None
        prev_r: Result | None = None
        for k in range(1, len(text) + 1):
            t0 = time.perf_counter()
            try:
                q = parse(text[:k])
            except QueryError:
                continue  # the app keeps the last valid result
            r = q.run(corpus, candidates=q.narrowing(prev_q, prev_r, corpus) if narrow else None)
            times.append((time.perf_counter() - t0) * 1000)
            prev_q, prev_r = q, r
    return times


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _rss_mb() -> float:
    rss = status_mb("VmRSS")
    return float("nan") if rss is None else rss


WORDS = ("segmentati", "uncertanty", "voxle", "point clod", "Transforme", '"point cloud"', "cat:cs.CV deep")


def bench(sizes: Sequence[tuple[int, bool]] = ((100_000, True), (1_000_000, False)), repeat: int = 3,
          digests: str | None = None, words: Sequence[str] = WORDS) -> None:  # fmt: skip
    """Print build and index times, memory and per-keystroke p50/p95/max while typing `words`.

    "fresh" types each prefix without `candidates`; "narrowed" passes the previous result when
    `refines` allows, as the app does. Both keep the corpus's term cache (cleared before each
    word), since the app has it too. "before prepare" types on a corpus without its indexes (what
    the app sees in the seconds `prepare` takes); "pasted" runs the whole query on an empty cache."""
    import gc
    import tracemalloc

    for n, abstracts in sizes:
        from_folder = digests is not None and abstracts
        papers = load([digests], cache=None).papers if from_folder and digests else _synthetic(n, abstracts)
        titles = [display_title(p.title or "") for p in papers]
        gc.collect()
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        corpus = Corpus.build(papers, titles=titles)
        build = time.perf_counter() - t0
        gc.collect()
        gc.freeze()  # as the app does after loading: no gen-2 collections over the library
        rss1 = _rss_mb()
        kind = "papers" if abstracts else "titles"
        print(f"{len(papers):,} {kind}: build {build:.2f} s (+{rss1 - rss0:.0f} MB RSS)", flush=True)
        for text in words[:2]:
            ms = _typing(corpus, text, True, 1)
            print(f"  {text!r:16} before prepare  p50 {_pct(ms, 50):6.1f} ms  p95 {_pct(ms, 95):6.1f} ms"
                  f"  max {max(ms):6.1f} ms", flush=True)
        t0 = time.perf_counter()
        corpus.fuzzy_words("xxxx")  # builds the title index (the fuzzy index) first
        tindex = time.perf_counter() - t0
        corpus.prepare()
        index = time.perf_counter() - t0
        gc.collect()
        rss2 = _rss_mb()
        print(f"  prepare {index:.2f} s (titles {tindex:.2f} s): +{rss2 - rss1:.0f} MB RSS; corpus in all "
              f"+{rss2 - rss0:.0f} MB RSS; process {rss2:.0f} MB", flush=True)
        for text in words:
            for narrow in (False, True):
                ms = _typing(corpus, text, narrow, repeat)
                last = parse(text).run(corpus)
                print(f"  {text!r:16} {'narrowed' if narrow else 'fresh':14} p50 {_pct(ms, 50):6.1f} ms"
                      f"  p95 {_pct(ms, 95):6.1f} ms  max {max(ms):6.1f} ms  -> {len(last.indices)}"
                      f"{' fuzzy' if last.fuzzy else ''}", flush=True)
            pasted = []
            for _ in range(repeat):
                corpus.clear_caches()
                t0 = time.perf_counter()
                parse(text).run(corpus)
                pasted.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            parse(text).run(corpus, rank=True)
            ranked = (time.perf_counter() - t0) * 1000
            print(f"  {text!r:16} pasted         p50 {_pct(pasted, 50):6.1f} ms   (rank=True, warm: {ranked:.1f} ms)")
        del corpus
        gc.unfreeze()
        gc.collect()
        if n <= 200_000:
            tracemalloc.start()
            again = Corpus.build(papers, titles=titles)
            again.prepare()
            traced, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  tracemalloc: build + prepare hold {traced / 1e6:.0f} MB (peak {peak / 1e6:.0f} MB)")
            del again
        del papers, titles
        gc.collect()


def segments(folder: str, new_digest: str | None = None, cache_dir: str | None = None) -> dict[str, float]:
    """Time the per-digest search segments on a library folder: a warm load (parse cache and
    segments from `cache_dir`, filled first when empty) and, with `new_digest` (a digest file
    outside the folder), the morning: that file copied in, then only its segment built. Each
    figure is one run in this process; print and return them."""
    import shutil
    import tempfile
    from pathlib import Path

    from ..cache import ParseCache
    from ..search.store import SegmentStore

    tmp = tempfile.mkdtemp(prefix="search-bench-")
    try:
        cache = ParseCache(Path(cache_dir or tmp))
        lib = load([folder], cache=cache)
        first = SegmentStore(cache)
        corpus = first.library_corpus(lib)
        corpus.prepare()
        first.save()
        out: dict[str, float] = {}
        t0 = time.perf_counter()
        lib = load([folder], cache=cache)
        store = SegmentStore(cache)
        corpus = store.library_corpus(lib)
        out["warm_load_s"] = time.perf_counter() - t0
        out["warm_ready"] = float(corpus.ready)
        out["papers"] = float(len(corpus))
        if new_digest is not None:
            copied = Path(folder) / Path(new_digest).name
            shutil.copyfile(new_digest, copied)
            try:
                lib = load([folder], cache=cache)
                before = store.built
                t0 = time.perf_counter()
                corpus = store.library_corpus(lib)
                corpus.prepare()
                out["new_digest_index_s"] = time.perf_counter() - t0
                out["segments_built"] = float(store.built - before)
                t0 = time.perf_counter()
                scratch = Corpus.build(lib.papers)
                scratch.prepare()
                out["whole_library_index_s"] = time.perf_counter() - t0
            finally:
                copied.unlink()
        for key, value in out.items():
            print(f"  {key:24} {value:10.3f}", flush=True)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m reader.devtools.search_bench",
                                 description="Time the filter on synthetic papers.")
    ap.add_argument("--papers", type=int, default=100_000, help="papers with abstracts (0 to skip)")
    ap.add_argument("--titles", type=int, default=1_000_000, help="papers with titles only (0 to skip)")
    ap.add_argument("--digests", help="load the papers with abstracts from this folder instead")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--segments", metavar="FOLDER", help="time the per-digest segments of this library instead")
    ap.add_argument("--new-digest", metavar="FILE", help="with --segments: the digest that arrives in the morning")
    ap.add_argument("--cache", metavar="DIR", help="with --segments: the cache directory (default: a fresh one)")
    args = ap.parse_args()
    if args.segments:
        segments(args.segments, args.new_digest, args.cache)
        raise SystemExit(0)
    bench([(n, a) for n, a in ((args.papers, True), (args.titles, False)) if n > 0], repeat=args.repeat,
          digests=args.digests)
