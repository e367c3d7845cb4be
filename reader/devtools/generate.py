"""Deterministic generator of large synthetic digests in the Markdown digest format.

    python -m reader.devtools.generate DIR --days 250 --per-day 400 [--format mail]

writes one digest per weekday (``arxiv-cs.CV-2019-01-01.md`` ...), 400 papers each, about
1.4 KB a paper: 100,000 papers and ~140 MB for a year. The same arguments always give the
same bytes. Used by the tests and the benchmark suite; never commit its output.
``--format mail`` writes the same papers as arXiv listing e-mails (``arxiv-cs.CV-2019-01-01.txt``,
with authors and comments; the last tenth of each day as replacements, the tenth before as
cross-lists).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Paper

Entry = tuple[dt.date, str, int, str, str, str, str]
"""(day, category, number, identifier, version, title, abstract) of one generated paper."""

CATEGORIES = ("cs.CV", "cs.CL", "cs.LG", "stat.ML", "eess.IV", "cs.RO")

_WORDS = """
learning deep neural network networks model models training adversarial generative
segmentation detection object semantic instance image images video point cloud clouds voxel
graph attention transformer transformers convolutional recurrent representation
representations self-supervised unsupervised supervised semi-supervised contrastive domain
adaptation transfer few-shot zero-shot meta reinforcement policy optimization gradient
stochastic bayesian inference variational autoencoder diffusion denoising score matching
language vision multimodal retrieval embedding embeddings tracking pose estimation depth
stereo reconstruction 3D scene understanding robust robustness efficient scalable fast
sparse dense hierarchical multi-scale feature features fusion aggregation pyramid residual
normalization regularization pruning quantization distillation knowledge compression
benchmark dataset evaluation analysis survey towards via using with for on of and in
medical lesion tumor brain retinal histopathology x-ray mri ct ultrasound microscopy
super-resolution deblurring inpainting synthesis translation captioning question answering
grounding navigation manipulation grasping control planning trajectory forecasting motion
action recognition classification regression clustering hashing metric contrast
uncertainty calibration explainable interpretable fairness privacy federated continual
incremental online streaming temporal spatial spatio-temporal frequency wavelet spectral
implicit neural radiance fields rendering mesh surface shape geometry correspondence
registration alignment matching optical flow event camera lidar radar autonomous driving
""".split()

_STEMS = """vox point graph seg det trans form net gan flow depth pose mesh fusion atten
spectra cortex lumen vista nexus quanta helix orbit prism vertex tensor kernel""".split()
_SUFFIXES = "net former gan seg flow fusion nerf diff align track match pose det".split()

_SENTENCE_FORMS = (
    "We propose {a} {b} {c} for {d} {e}, which {f} the {g} of {h} {i}.",
    "Existing {a} methods rely on {b} {c}, but they fail to capture {d} {e} in {f} settings.",
    "Experiments on {a} and {b} benchmarks show that our {c} {d} outperforms {e} baselines by {n}%.",
    "To address this, we introduce {A}, a {b} {c} that jointly learns {d} and {e} {f}.",
    "Our analysis reveals that {a} {b} is crucial for {c} {d} under {e} {f}.",
    "The code and the {a} {b} dataset are publicly available to foster research on {c} {d}.",
    "In this paper, we study the problem of {a} {b} from {c} {d} with limited {e}.",
    "Extensive ablations confirm the contribution of each {a} {b} component and the {c} {d} loss.",
    "Unlike prior {a} approaches, {A} requires no {b} {c} and runs in real time on {d} hardware.",
    "We further show that {a} {b} transfers to {c} {d} with minimal {e} {f}.",
)

# Realistic mess: LaTeX, HTML, brackets that look like markup, non-ASCII text.
_SPICE = (
    " Our FC$^2$N model reaches $99.7\\%$ accuracy at $640\\times360$ resolution.",
    " Deep SORT\\cite{wojke2017simple} is a strong baseline. <br>We improve it further.",
    " The [CLS] token and [MASK] tokens are pooled, see <a href=\"https://example.org\">the project page</a>.",
    " The error is bounded by $\\epsilon \\leq 10^{-3}$ with $\\alpha$-divergence &amp; KL terms.",
    " Results on Zürich and São Paulo scenes are reported with 95% confidence intervals.",
    " Tokens such as <unk> and <eos> are handled, and $\\mathcal{O}(n \\log n)$ time is kept.",
)
_TITLE_SPICE = ("[CLS]", "[Re]", "[MASK]", "$\\ell_1$", "A^2", "Zürich")


def _vocabulary(rng: random.Random) -> list[str]:
    words = list(_WORDS)
    words += [s + x for s in _STEMS for x in _SUFFIXES]
    caps = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
    words += ["".join(rng.choice(caps) for _ in range(rng.randint(3, 5)))
              + rng.choice(("Net", "", "-v2", "GAN", "Former")) for _ in range(4000)]
    return words


def _sentence_pool(rng: random.Random, vocab: list[str], size: int = 6000) -> list[str]:
    pool = []
    for _ in range(size):
        form = rng.choice(_SENTENCE_FORMS)
        w = rng.choices(vocab, k=9)
        pool.append(form.format(a=w[0], b=w[1], c=w[2], d=w[3], e=w[4], f=w[5], g=w[6], h=w[7], i=w[8],
                                A=w[0].capitalize() + "Net", n=rng.randint(1, 30)))
    return pool


def _weekdays(start: dt.date, count: int) -> Iterator[dt.date]:
    day = start
    made = 0
    while made < count:
        if day.weekday() < 5:
            yield day
            made += 1
        day += dt.timedelta(days=1)


def entries(days: int, per_day: int, seed: int = 0, start: dt.date = dt.date(2019, 1, 1),
            categories: tuple[str, ...] = CATEGORIES, abstracts: bool = True) -> Iterator[Entry]:
    """Yield (day, category, number, identifier, version, title, abstract) per paper.
    Without `abstracts` the abstract is "" (and much cheaper: for a million titles)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    common = vocab[: len(_WORDS) + len(_STEMS) * len(_SUFFIXES)]
    # Mostly ordinary words, with a long tail of rare acronyms, as in real abstracts.
    pool = _sentence_pool(rng, common * 30 + vocab[len(common):])
    title_vocab = common * 4 + vocab[len(common):]
    serial: dict[str, int] = {}
    for d, day in enumerate(_weekdays(start, days)):
        cat = categories[d % len(categories)]
        yymm = day.strftime("%y%m")
        for n in range(1, per_day + 1):
            serial[yymm] = serial.get(yymm, 0) + 1
            ident = f"{yymm}.{serial[yymm]:05d}"
            words = rng.choices(title_vocab, k=rng.randint(5, 13))
            if rng.random() < 0.02:
                words.insert(rng.randrange(len(words)), rng.choice(_TITLE_SPICE))
            title = " ".join(words)
            title = title[0].upper() + title[1:]
            abstract = ""
            if abstracts:
                abstract = " ".join(rng.choices(pool, k=rng.randint(10, 12)))
                if rng.random() < 0.1:
                    abstract += rng.choice(_SPICE)
            version = f"v{rng.randint(1, 3)}" if rng.random() < 0.2 else ""
            yield day, cat, n, ident, version, title, abstract


def digests(days: int, per_day: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """Yield (file name, file text) for each synthetic digest."""
    lines: list[str] = []
    current = None
    for day, cat, n, ident, version, title, abstract in entries(days, per_day, seed):
        if (day, cat) != current:
            if current is not None:
                yield f"arxiv-{current[1]}-{current[0].isoformat()}.md", "\n".join(lines) + "\n"
            current = (day, cat)
            lines = [f"# ArXiv {cat} --{day.strftime('%a')}, {day.day} {day.strftime('%b %Y')}"]
        lines.append(f"### {n}.{title}  [ :arrow_down: ](https://arxiv.org/pdf/{ident}{version}.pdf)")
        lines.append(f">  {abstract} ")
    if current is not None:
        yield f"arxiv-{current[1]}-{current[0].isoformat()}.md", "\n".join(lines) + "\n"


_FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "John", "Frances", "Kurt", "Emmy", "Sofia", "Jun",
          "Wei", "Lena", "Ravi"]
_LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Backus", "Allen", 'G\\"odel', "Noether",
         "Kovalevskaya", "Li", "Zhang", "Petrov"]
# arXiv's listing e-mails are ASCII: accents are written the TeX way (G\"odel, Z\"urich), as in the real ones.
_TEX = str.maketrans({"ü": '\\"u', "ö": '\\"o', "ã": "\\~a", "²": "^2"})


def _ascii(text: str) -> str:
    if text.isascii():
        return text
    return text.translate(_TEX).encode("ascii", "backslashreplace").decode("ascii")
_RULE = "-" * 78


def _wrap(text: str, width: int = 78) -> list[str]:
    lines, start = [], 0
    while len(text) - start > width:
        cut = text.rfind(" ", start, start + width)
        if cut <= start:
            cut = start + width
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return lines


def _field(text: str) -> list[str]:
    first, *rest = _wrap(text)
    return [first, *("  " + x for x in rest)]


def _mail_entry(rng: random.Random, day: dt.date, cat: str, ident: str, title: str, abstract: str,
                section: int) -> list[str]:
    authors = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 6))]
    names = ", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else authors[0]
    when = day.strftime("%a, %d %b %Y") + " 10:00:00 GMT   (1234kb)"
    head = f"replaced with revised version {when}" if section == 2 else f"Date: {when}"
    lines = ["\\\\", f"arXiv:{ident}", head, "", *_field(f"Title: {title}"), *_field(f"Authors: {names}"),
             f"Categories: {cat}" + (" cs.LG" if section == 1 else "")]
    if rng.random() < 0.5:
        lines.append(f"Comments: {rng.randint(4, 30)} pages, {rng.randint(1, 12)} figures")
    lines += ["\\\\", *("  " + x if i == 0 else x for i, x in enumerate(_wrap(abstract))),
              f"\\\\ ( https://arxiv.org/abs/{ident} ,  1234kb)", _RULE]
    return lines


def mail_digests(days: int, per_day: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """Yield (file name, file text): the papers of `digests` as arXiv listing e-mails."""
    rng = random.Random(seed + 1)
    day_rows: list[Entry] = []

    def flush() -> tuple[str, str]:
        day, cat = day_rows[0][0], day_rows[0][1]
        sent = day + dt.timedelta(days=1)
        lines = [f"Date: {sent.strftime('%a, %d %b %y')} 01:00:00 GMT",
                 f"Subject: {cat} daily {len(day_rows)} new + 0 crosses received", "", _RULE]
        n = len(day_rows)
        for k, (_, _, _, ident, _, title, abstract) in enumerate(day_rows):
            title, abstract = _ascii(title), _ascii(abstract)
            section = 2 if k >= n - n // 10 else 1 if k >= n - n // 5 else 0
            if k == n - n // 5 and section == 1:
                lines.append("%-" * 39)
            if k == n - n // 10 and section == 2:
                lines.append("%%--" * 19 + "%%")
            lines += _mail_entry(rng, day, cat, ident, title, abstract, section)
        lines.append("%%%---" * 13)
        return f"arxiv-{cat}-{day.isoformat()}.txt", "\n".join(lines) + "\n"

    for row in entries(days, per_day, seed):
        if day_rows and (row[0], row[1]) != (day_rows[0][0], day_rows[0][1]):
            yield flush()
            day_rows = []
        day_rows.append(row)
    if day_rows:
        yield flush()


def papers(count: int, seed: int = 0, abstracts: bool = False) -> list[Paper]:
    """`count` Paper objects without going through files (the benchmark's million titles)."""
    from ..model import Paper

    out = []
    for day, cat, n, ident, version, title, abstract in entries(-(-count // 400), 400, seed,
                                                                abstracts=abstracts):
        out.append(Paper(ident, version[1:] or None, title, abstract, f"https://arxiv.org/pdf/{ident}{version}",
                         cat, day.isoformat(), n, "generated", n, (cat,)))
        if len(out) == count:
            break
    return out


def generate(directory: Path, days: int, per_day: int, seed: int = 0, fmt: str = "markdown") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in (mail_digests if fmt == "mail" else digests)(days, per_day, seed):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reader.devtools.generate", description=__doc__.split("\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--per-day", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=("markdown", "mail"), default="markdown",
                    help="the Markdown digest format (default) or arXiv listing e-mails")
    args = ap.parse_args(argv)
    if args.days < 0 or args.per_day < 0:
        ap.error("--days and --per-day must not be negative")
    try:
        paths = generate(args.directory, args.days, args.per_day, args.seed, args.format)
    except OSError as err:
        print(f"generate: {err.strerror}: {err.filename}", file=sys.stderr)
        return 1
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} digests, {args.days * args.per_day} papers, {total / 1e6:.1f} MB to {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
