"""Display text: what a reader of the abstract pane sees, and what a terminal never receives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.text import display_text, display_title, sanitize

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "arxiv-cs.CV-2019-07-09.md"
if not SEED.exists():  # the bundled copy, when the shared folder is not next to the checkout
    SEED = Path(__file__).resolve().parents[1] / "sample_digests" / SEED.name

# Written out independently of reader.text, so a mistake there cannot hide here.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def seed_entries() -> dict[int, tuple[str, str]]:
    """{number: (raw title, raw abstract)} read straight from the seed digest."""
    entries: dict[int, tuple[str, str]] = {}
    number = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"### (\d+)\.(.*?)\s+\[ :arrow_down: \]", line)
        if heading:
            number = int(heading[1])
            entries[number] = (heading[2], "")
        elif line.startswith(">") and number is not None:
            entries[number] = (entries[number][0], line[1:].strip())
    return entries


# ------------------------------------------------------------------------------ the seed digest


@pytest.fixture(scope="module")
def seed() -> dict[int, tuple[str, str]]:
    if not SEED.exists():
        pytest.skip("seed digest not available")
    return seed_entries()


def test_seed_title_with_latex_superscript(seed):
    assert display_title(seed[24][0]) == (
        "FC²N: Fully Channel-Concatenated Network for Single Image Super-Resolution"
    )


def test_seed_title_with_bare_caret(seed):
    assert display_title(seed[3][0]).startswith("Part-A² Net: 3D Part-Aware")


def test_seed_paper_9_cite_and_line_breaks(seed):
    text = display_text(seed[9][1])
    assert text.startswith("Deep SORT[wojke2017simple] is a tracking-by-detetion approach")
    assert "<br>" not in text
    assert "RE-ID model.\nBoth separately training" in text
    assert "straight make use of\nthe RoI feature vector" in text


def test_seed_latex_in_abstract(seed):
    text = display_text(seed[24][1])
    assert "followed by a 1×1 conv layer" in text
    assert "the proposed FC²N achieves" in text
    assert "$" not in text


def test_seed_percentages_and_resolution(seed):
    tracknet = next(a for _, a in seed.values() if "TrackNet" in a)
    text = display_text(tracknet)
    assert "a size of 640×360 to generate" in text
    assert "reach 99.7%, 97.3%, and 98.5%" in text


def test_seed_link_keeps_text_and_url(seed):
    skin = next(a for _, a in seed.values() if "saketchaturvedi" in a)
    assert "public use at (this https URL (https://saketchaturvedi.github.io))." in display_text(
        skin
    )


def test_seed_nothing_unconverted(seed):
    for title, abstract in seed.values():
        for text in (display_title(title), display_text(abstract)):
            assert not re.search(r"[$\\]|<br|<a |&amp;", text), text


# ------------------------------------------------------------------------------------------ HTML


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("one<br>two", "one\ntwo"),
        ("one<br/>two", "one\ntwo"),
        ("one <br /> two", "one\ntwo"),
        ("one<BR>two<Br/>three", "one\ntwo\nthree"),
        ('see <a href="https://x.org/a">the code</a>.', "see the code (https://x.org/a)."),
        ("see <a href='https://x.org/a'>code</a>", "see code (https://x.org/a)"),
        ('<a href="https://x.org">https://x.org</a>', "https://x.org"),
        ('<a href="https://x.org/?a=1&amp;b=2">link</a>', "link (https://x.org/?a=1&b=2)"),
        ('<A HREF="https://x.org">x</A>', "x (https://x.org)"),
        ("<b>bold</b> <i>it</i> <em>em</em> <strong>s</strong> <u>u</u>", "bold it em s u"),
        ('<span class="x">a</span><code>b</code> <tt>c</tt> <small>d</small>', "ab c d"),
        ("<p>first</p><p>second</p>", "first\n\nsecond"),
        ("x<sup>2</sup> + H<sub>2</sub>O", "x² + H₂O"),
        ("x<sup>n+1</sup>", "xⁿ⁺¹"),
        ("x<sup>foo bar</sup>", "x^(foo bar)"),
    ],
)
def test_html(raw, shown):
    assert display_text(raw) == shown


@pytest.mark.parametrize(
    "raw",
    [
        "the <unk> token",
        "<s> and </s> mark sentences, <eos> ends, <pad> pads",
        "a < b > c",
        "x<y and y>z",
        "pairs <i,j> and <bold>",
        "<img src=x> is not rendered",
        "[CLS] tokens, [MASK] and [SEP], even [/foo] and [b]",
    ],
)
def test_text_that_only_looks_like_markup_stays(raw):
    assert display_text(raw) == raw


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),
        ("R&amp;D", "R&D"),
        ("&amp;lt;", "&lt;"),
        ("it&#39;s it&#x27;s &quot;q&quot;", "it's it's \"q\""),
        ("100&nbsp;km", "100 km"),
        ("caf&eacute; &alpha;", "café α"),
    ],
)
def test_entities_decoded_after_tags(raw, shown):
    assert display_text(raw) == shown


# ----------------------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("FC$^2$N", "FC²N"),
        (r"$640\times360$", "640×360"),
        (r"$99.7\%$", "99.7%"),
        (r"85\% relatively", "85% relatively"),
        ("Part-A^2 Net", "Part-A² Net"),
        ("10^23 molecules", "10²³ molecules"),
        ("$x^{10}$ $y^{-1}$ $z^{n+1}$", "x¹⁰ y⁻¹ zⁿ⁺¹"),
        ("$x_2$ $W_{ij}$", "x₂ Wᵢⱼ"),
        ("$x_{1:T}$ $e^{i\\pi}$ $x_T$", "x_(1:T) e^(iπ) x_T"),
        ("snake_case stays and x_2 outside math too", "snake_case stays and x_2 outside math too"),
        ("$90^\\circ$ $W^\\top$ $f^\\prime$ $x^*$", "90° Wᵀ f′ x*"),
        (r"$\alpha, \beta, \gamma, \Delta, \Omega, \omega$", "α, β, γ, Δ, Ω, ω"),
        (r"$a \leq b \geq c \neq d \approx e \sim f$", "a ≤ b ≥ c ≠ d ≈ e ∼ f"),
        (r"$\pm \mp \times \cdot \div \infty$", "± ∓ × · ÷ ∞"),
        (r"$x \in A \notin B \subset C \subseteq D \cup E \cap F$", "x ∈ A ∉ B ⊂ C ⊆ D ∪ E ∩ F"),
        (r"$\forall \exists \partial \nabla \sum \prod \int$", "∀ ∃ ∂ ∇ ∑ ∏ ∫"),
        (r"$a \rightarrow b \to c \leftarrow d$", "a → b → c ← d"),
        (r"$a \Rightarrow b \leftrightarrow c$", "a ⇒ b ↔ c"),
        (r"$\ell_1$, $\ldots$, $\cdots$, $f \circ g$, $\star$, $\dagger$", "ℓ₁, …, ⋯, f ∘ g, ⋆, †"),
        (r"$\mathbb{R}^n$ $\mathbb{N}$ $\mathbb{Z}$ $\mathbb{Q}$ $\mathbb{C}$", "ℝⁿ ℕ ℤ ℚ ℂ"),
        (r"$\mathbb{R}^{n \times m}$", "ℝ^(n×m)"),
        (r"$\mathcal{O}(n \log n)$", "O(n log n)"),
        (r"$\mathrm{d}x$ $\mathbf{W}$ $\operatorname{softmax}(x)$", "dx W softmax(x)"),
        (r"\text{a} \textbf{bold} \textit{it} \emph{new}", "a bold it new"),
        (r"$\sqrt{x}$ $\sqrt{x+1}$ $\sqrt{2}$ $\sqrt[3]{x}$", "√x √(x+1) √2 ∛x"),
        (r"$\frac{a}{b}$ $\frac{a+b}{2}$ $\frac{1}{\sqrt{d}}$", "a/b (a+b)/2 1/(√d)"),
        (r"Deep SORT\cite{wojke2017simple} is", "Deep SORT[wojke2017simple] is"),
        (r"as in \citep{a,b} and \citet{c}", "as in [a, b] and [c]"),
        (r"see \citep[p.~3]{key} and Fig.~\ref{fig:1}", "see [key, p. 3] and Fig. [fig:1]"),
        (r"R\&D \_ \# \$ \{x\}", "R&D _ # $ {x}"),
        (r"$a\,b$ $a\;b$ $a\!b$ $a\quad b$ $a\ b$ $a~b$", "a b a b ab a b a b a b"),
        (r"$$E = mc^2$$ and \(x^2\) and \[y_1\]", "E = mc² and x² and y₁"),
        (r"$\left( x \right.$", "( x"),
        (r"$\text{if } x > 0$", "if x > 0"),
        (r"\eg, \ie, Schr\"odinger, Poincar\'e", "e.g., i.e., Schrödinger, Poincaré"),
        (r"na\"{\i}ve G\"{o}del \ss", "naïve Gödel ß"),
    ],
)
def test_latex(raw, shown):
    assert display_text(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("costs $5", "costs $5"),
        ("between $5 and $6", "between $5 and $6"),
        ("from $1,000-$2,000 a year", "from $1,000-$2,000 a year"),
        (r"costs \$5 and \$6", "costs $5 and $6"),
        (r"\$x\$ is not math", "$x$ is not math"),
        ("a lone $ sign", "a lone $ sign"),
        ("100% and ^ and ~", "100% and ^ and ~"),
    ],
)
def test_dollars_that_are_not_math_stay(raw, shown):
    assert display_text(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"\foo{x}", r"\foo{x}"),
        (r"$\foo$", r"\foo"),
        (r"$\foo{\alpha}$", r"\foo{α}"),
        (r"\textbf alone", r"\textbf alone"),
        (r"$\frac{a}$", r"\frac{a}"),
        (r"\unknown[opt]{arg} text", r"\unknown[opt]{arg} text"),
        (r"a \\ b", r"a \\ b"),
        (r"x^ and $x^$", "x^ and x^"),
    ],
)
def test_unknown_latex_stays_readable(raw, shown):
    assert display_text(raw) == shown


# ------------------------------------------------------------------------------------ whitespace


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("  plain   text  here  ", "plain text here"),
        ("tab\there", "tab here"),
        ("a <br>  b", "a\nb"),
        ("a<br><br><br><br>b", "a\n\nb"),
        ("<br>a<br>", "a"),
        ("windows\r\nline\rends", "windows\nline\nends"),
        ("a\u00a0\u2003b", "a b"),
        ("Schrödinger – café “quoted”", "Schrödinger – café “quoted”"),
    ],
)
def test_whitespace(raw, shown):
    assert display_text(raw) == shown


def test_title_is_one_line():
    assert display_title("A <br> title\nwith  breaks") == "A title with breaks"
    assert display_title("FC$^2$N:<br>Net") == "FC²N: Net"


# ------------------------------------------------------------------------------ terminal safety

ESCAPES = [
    pytest.param("red\x1b[31mtext\x1b[0m", "redtext", id="CSI SGR"),
    pytest.param("a\x1b[2J\x1b[Hb", "ab", id="CSI clear screen"),
    pytest.param("a\x1b[?1049hb", "ab", id="CSI private mode"),
    pytest.param("a\x1b[31", "a", id="CSI cut short"),
    pytest.param("a\x1b]52;c;ZXZpbCBjb21tYW5k\x07b", "ab", id="OSC 52 BEL"),
    pytest.param("a\x1b]52;c;ZXZpbA==\x1b\\b", "ab", id="OSC 52 ST"),
    pytest.param("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click", id="OSC 8"),
    pytest.param("a\x1b]0;window title\x07b", "ab", id="OSC 0 title"),
    pytest.param("a\x1bP1$tx\x1b\\b", "ab", id="DCS"),
    pytest.param("a\x1b_apc payload\x1b\\b", "ab", id="APC"),
    pytest.param("a\x1b^pm\x1b\\b", "ab", id="PM"),
    pytest.param("a\x1bXsos\x1b\\b", "ab", id="SOS"),
    pytest.param("a\x1bcb\x1b7c\x1b(Bd\x1b#8e", "abcde", id="two-char and nF escapes"),
    pytest.param("end\x1b", "end", id="lone ESC"),
    pytest.param("a\x9b31mb", "ab", id="8-bit CSI"),
    pytest.param("a\x9d52;c;ZXZpbA==\x9cb", "ab", id="8-bit OSC with 8-bit ST"),
    pytest.param("a\x90dcs\x9cb", "ab", id="8-bit DCS"),
    pytest.param("a\x00b\x07c\x08d\x0be\x0cf\x7fg\x85h", "abcdefgh", id="C0 DEL C1"),
    pytest.param("a\u202eb\u202dc\u2066d\u2069e\u200ef\u200fg\u061ch", "abcdefgh", id="bidi"),
    pytest.param("keep\nnew\tlines", "keep\nnew\tlines", id="newline and tab kept"),
]


@pytest.mark.parametrize(("raw", "clean"), ESCAPES)
def test_sanitize_removes_escape_sequences(raw, clean):
    assert sanitize(raw) == clean


@pytest.mark.parametrize(("raw", "clean"), ESCAPES)
def test_display_text_removes_escape_sequences(raw, clean):
    assert display_text(raw) == re.sub(r"[ \t]+", " ", clean).strip()


def test_carriage_return():
    assert sanitize("a\rb") == "ab"
    # In an abstract a lone CR was a line end (old Mac files), so it is shown as one, never sent.
    assert display_text("a\rb\r\nc") == "a\nb\nc"


def test_unterminated_string_does_not_swallow_the_abstract():
    tail = "the rest of a long abstract " * 40
    assert sanitize("\x1b]0;" + tail).endswith(tail[300:])
    assert sanitize("\x1b]0;title\nnext line") == "\nnext line"
    assert display_text("Intro \x1b]8;;x\n" + tail) == "Intro\n" + tail.strip()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # html.unescape drops the ESC and maps &#x9b; to "›" (windows-1252), as a browser does.
        ("&#27;[31mred", "[31mred"),
        ("a&#x1b;]52;c;ZXZpbA==&#7;b", "a]52;c;ZXZpbA==b"),
        ("a&#x9b;b", "a›b"),
        # ...but &#x9d; decodes to the 8-bit OSC introducer, which takes its string with it.
        ("a&#x9d;52;c;ZXZpbA==", "a"),
        # &#x9c; is "œ" in windows-1252, not ST, so this DCS runs to the end of the line.
        ("a&#x90;dcs&#x9c;b\nnext", "a\nnext"),
        ("a&#x202e;b&rlm;c&lrm;d&#x2066;e", "abcde"),
        ("a&#13;b&#12;c&#0;d", "abc\ufffdd"),
    ],
)
def test_entities_cannot_produce_controls(raw, shown):
    out = display_text(raw)
    assert out == shown
    assert not UNSAFE.search(out)


def test_sanitize_leaves_ordinary_text_alone():
    text = "Plain [CLS] text, café – 𝔼[x] ≤ 1\n\tindented"
    assert sanitize(text) == text


# ---------------------------------------------------------------------------------- properties

FRAGMENTS = st.sampled_from(
    [
        "\x1b", "[", "]", "$", "$$", "\\", "<", ">", "&", "#", ";", "{", "}", "^", "_", "~",
        "\x9b", "\x9d", "\x9c", "\x90", "\x07", "\x00", "\x7f", "\x85", "\r", "\n", "\t", " ",
        "\u202e", "\u2066", "\u200f", "\u061c", "\xa0", "\u2028", "a", "1", "x", "P", "]52;c;",
        "<br>", '<a href="x">', "</a>", "<sup>", "</sup>", "<b>", "<unk>", "&#27;", "&#x9b;",
        "&#x202e;", "&amp;", "\\frac", "\\sqrt", "\\cite", "\\alpha", "\\text{", "\\mathbb",
        "\\(", "\\)", "\\[", "\\]", "\\$", "\\%", "\\'", "{\\em ", "\\left", "[MASK]",
    ]
)  # fmt: skip
NASTY = st.one_of(
    st.text(),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=3)), max_size=40).map("".join),
)


def assert_safe(text: str) -> None:
    assert not UNSAFE.search(text), repr(text)


@settings(max_examples=400, deadline=None)
@given(NASTY)
def test_display_text_is_always_safe_and_tidy(raw):
    out = display_text(raw)
    assert_safe(out)
    assert out == out.strip()
    assert "  " not in out and " \n" not in out and "\n " not in out and "\n\n\n" not in out


@settings(max_examples=400, deadline=None)
@given(NASTY)
def test_display_title_is_always_safe_and_one_line(raw):
    out = display_title(raw)
    assert_safe(out)
    assert "\n" not in out


@settings(max_examples=400, deadline=None)
@given(NASTY)
def test_sanitize_is_safe_idempotent_and_only_deletes(raw):
    out = sanitize(raw)
    assert_safe(out)
    assert sanitize(out) == out
    rest = iter(raw)
    assert all(c in rest for c in out)  # a subsequence of the input


PLAIN = st.text(
    st.characters(
        # VS16 (U+FE0F) is dropped on purpose: terminals and Rich disagree on its width.
        blacklist_characters="<&$\\^\ufe0f",
        blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
    )
    | st.just(" ")
)


@given(PLAIN)
def test_plain_text_only_has_its_spaces_tidied(raw):
    assert display_text(raw) == re.sub(" +", " ", raw).strip(" ")
