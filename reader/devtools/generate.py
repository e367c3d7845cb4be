"""Deterministic generator of large synthetic digests in the Markdown digest format.

    python -m reader.devtools.generate DIR --days 250 --per-day 400

writes one digest per weekday (``arxiv-cs.CV-2019-01-01.md`` ...), 400 papers each, about
1.4 KB a paper: 100,000 papers and ~140 MB for a year. The same arguments always give the
same bytes. Used by the tests and the benchmark suite; never commit its output.
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


def generate(directory: Path, days: int, per_day: int, seed: int = 0) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in digests(days, per_day, seed):
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
    args = ap.parse_args(argv)
    if args.days < 0 or args.per_day < 0:
        ap.error("--days and --per-day must not be negative")
    try:
        paths = generate(args.directory, args.days, args.per_day, args.seed)
    except OSError as err:
        print(f"generate: {err.strerror}: {err.filename}", file=sys.stderr)
        return 1
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} digests, {args.days * args.per_day} papers, {total / 1e6:.1f} MB to {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
