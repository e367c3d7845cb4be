"""The benchmark's ``views`` case: every navigator count right after a mark, with smart views
and tags (issue 18: 50 views and 200 tags at 100,000 papers, target <= 50 ms).

UI-free, as the app's part of it is: the time from a write's report to every count updated is
`Session.settle` (the flags, the day/category counters, and each smart view, tag and Updated
row the paper is in) plus `Navigator.rows` (what the panel re-reads on the next frame).
"""

from __future__ import annotations

import queue
import random
import tempfile
import time
from pathlib import Path

from .common import Row, pct

_WORDS = ("diffusion", "segmentation", "graph", "robot", "transformer", "survey", "video", "language", "point",
          "learning")


def _views(tags: int) -> dict[str, str]:
    """50 views: half about the text only, half with state terms (read, starred, tags, notes)."""
    out: dict[str, str] = {}
    cats = ("cs.CV", "cs.CL", "cs.LG", "cs.RO", "stat.ML")
    for k in range(25):
        word = _WORDS[k % len(_WORDS)]
        out[f"text {k}"] = f"ti:{word} cat:{cats[k % len(cats)]}" if k % 2 else f"{word}"
    for k in range(25):
        word = _WORDS[k % len(_WORDS)]
        out[f"marks {k}"] = (f"is:unread ti:{word}", "is:starred", f"tag:t{k * 7 % tags}",
                             f"is:unread is:tagged cat:{cats[k % len(cats)]}", "is:unread note:idea")[k % 5]
    return out


def bench_views(size: int = 100_000, views: int = 50, tags: int = 200, marks: int = 200) -> Row:
    from ..devtools.generate import papers as generated
    from ..search import Corpus
    from ..session import Session
    from ..smart_views import smart_views
    from ..state import StateStore

    configured = _views(tags)
    assert len(configured) == views, len(configured)
    rng = random.Random(18)
    papers = generated(size, abstracts=True)
    keys = [p.key for p in papers]
    with tempfile.TemporaryDirectory(prefix="arxiv-reader-bench-views-") as tmp:
        store = StateStore(Path(tmp) / "state")
        store.load()
        tagged = rng.sample(keys, min(len(keys), tags * 25))  # 25 papers a tag, a few with several
        store.apply([(k, f"tag:t{(j + m) % tags}", True) for j, k in enumerate(tagged) for m in range(1 + j % 3)])
        store.apply([(k, "read", True) for k in rng.sample(keys, size // 3)])
        reports: queue.Queue[object] = queue.Queue()
        session = Session(reports.put)
        session.store = store
        session.load(Session.prepare(papers, store))
        corpus = Corpus.build(session.papers, titles=session.titles)
        corpus.prepare()  # the word indexes, as the app has them once loaded
        t = time.perf_counter()  # in the app: a worker, once the corpus is ready
        built = session.smart_rows(corpus, smart_views(configured))
        assert built is not None and session.attach_smart_rows(built)
        build = time.perf_counter() - t
        nav = session.navigation
        assert nav is not None
        expanded = nav.navigator.days[:1]
        latencies: list[float] = []
        for n, i in enumerate(rng.sample(range(size), marks)):
            kind = n % 4
            if kind == 0:
                session.toggle(i, "read")
            elif kind == 1:
                session.toggle(i, "starred")
            else:
                session.marks.submit([(keys[i], f"tag:t{rng.randrange(tags)}", kind == 2)])
            report = reports.get(timeout=60)
            t = time.perf_counter()
            session.settle(report)  # type: ignore[arg-type]
            nav.navigator.rows(expanded)
            latencies.append(time.perf_counter() - t)
        session.close()
        store.close()
    return {"case": "navigator counts after a mark, 50 views + 200 tags", "size": size, "views": views,
            "tags": len(built[0].tags()),
            "build_s": build, "update_p50_ms": pct(latencies, 50) * 1e3, "update_p95_ms": pct(latencies, 95) * 1e3}
