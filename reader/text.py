"""Raw digest text -> safe display text.

Abstracts and titles arrive as authors typed them: a little HTML, a little LaTeX and, now and then,
bytes aimed at a terminal rather than a reader. `display_text` and `display_title` turn them into
plain Unicode; `sanitize` makes any text safe to print and is always their last step.

Pure standard library: this module must not import Textual.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

__all__ = ["display_text", "display_title", "sanitize"]

# --------------------------------------------------------------------------------------- sanitize

_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_CHAR = rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]"
_UNSAFE_CHAR_RE = re.compile(_UNSAFE_CHAR)
_ASCII_UNSAFE = bytes(range(0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"

# An OSC/DCS/SOS/PM/APC string is dropped with its payload up to BEL or ST. An unterminated one
# loses at most this many characters and never crosses a line break, so a stray `ESC ]` cannot
# swallow the rest of an abstract. The payload stops at ESC and C1 too, which keeps removal linear.
STRING_CAP = 256
_UNSAFE_RE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"
    r"(?:[^\x07\x1b\x80-\x9f\n]*(?:\x07|\x1b\\|\x9c)"
    rf"|[^\x07\x1b\x80-\x9f\n]{{0,{STRING_CAP}}})"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI, even when cut short before its final byte
    r"|\x1b(?:[ -/]*[0-~])?"  # two-character and nF escapes, or a lone ESC
    rf"|{_UNSAFE_CHAR}"
)


def sanitize(text: str) -> str:
    """Remove everything a terminal would act on instead of printing.

    Drops every ESC sequence (CSI, OSC including OSC 8 and OSC 52, DCS/SOS/PM/APC, two-character
    escapes, a lone ESC), their 8-bit C1 forms, every other C0 control except newline and tab,
    DEL, all C1 controls and the Unicode bidi controls. An unterminated OSC/DCS-style string
    takes at most `STRING_CAP` characters with it, never past the end of its line. Idempotent.
    """
    if _is_safe(text):
        return text
    return _UNSAFE_RE.sub("", text)


def _is_safe(text: str) -> bool:
    # A regex search costs about 7 ns a character; these C loops run several times faster, which
    # matters over 140 MB of abstracts.
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_UNSAFE)) == len(data)
    return text.isprintable() or _UNSAFE_CHAR_RE.search(text) is None


# ----------------------------------------------------------------------------------------- public

# Any of these means display_text has work to do; most abstracts contain none of them.
_ASCII_SPECIAL = bytes(range(0x20)) + b"\x7f<&$\\^"
_SPACES_RE = re.compile(r" {2,}")


def _is_plain(text: str) -> bool:
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_SPECIAL)) == len(data)
    # isprintable() is False for every control, bidi mark and space other than " ", so the fast
    # path only ever sees ASCII spaces.
    return (
        text.isprintable()
        and "\ufe0f" not in text
        and "<" not in text
        and "&" not in text
        and "$" not in text
        and "\\" not in text
        and "^" not in text
    )


def display_text(raw: str) -> str:
    """Turn a raw abstract into display text: HTML, entities and simple LaTeX become plain
    Unicode, whitespace is tidied (line breaks kept) and the result is sanitized."""
    if _is_plain(raw):
        text = raw.strip(" ")
        return _SPACES_RE.sub(" ", text) if "  " in text else text
    return _tidy_whitespace(_convert(raw))


def display_title(raw: str) -> str:
    """Like `display_text`, on one line."""
    text = display_text(raw)
    return " ".join(text.split()) if "\n" in text else text


_LINK_SLOT = "\x00"  # stands for a link's URL while LaTeX runs; sanitize guarantees it is unused
_LINK_SLOT_RE = re.compile(_LINK_SLOT)


def _convert(raw: str) -> str:
    # Raw escape sequences go first, payload and all, before LaTeX could mangle their ST (`ESC \`).
    text = sanitize(raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw)
    links: list[str] = []
    if "<" in text:
        text = _html_tags(text, links)
    if "$" in text or "\\" in text or "^" in text:
        text = _latex(text)
    # Entities after tags, so `&lt;b&gt;` shows `<b>`; after LaTeX, so `&#92;` stays a backslash.
    if "&" in text:
        text = html.unescape(text)
    if links:
        urls = iter(links)
        text = _LINK_SLOT_RE.sub(lambda _: next(urls, ""), text)
    # Last, because entities decode to controls: `&#13;`, `&#x202e;`, `&rlm;`. The whitespace
    # tidy that follows only merges and strips spaces, so it cannot undo this.
    text = sanitize(text)
    # Rich measures a ZWJ emoji sequence or a VS16 emoji as one 2-cell glyph; tmux, the Linux
    # console and many terminals draw each part: the row would overflow and shift every column after
    # it. Without these two, every terminal and Rich agree on the width (👩‍🔬 shows as 👩🔬).
    if "\u200d" in text or "\ufe0f" in text:
        text = text.replace("\u200d", "").replace("\ufe0f", "")
    return text


# Matches only what must change, not every single space: that is most of the cost otherwise.
_SPACE_RUN_RE = re.compile(r"[^\S\n]{2,}|[^\S \n]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _tidy_whitespace(text: str) -> str:
    only_spaces = "\t" not in text if text.isascii() else text.replace("\n", " ").isprintable()
    if not only_spaces:
        text = _SPACE_RUN_RE.sub(" ", text)
    elif "  " in text:
        text = _SPACES_RE.sub(" ", text)
    if "\n" in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
        if "\n\n\n" in text:
            text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


# ------------------------------------------------------------------------------------------- HTML

# Only these tags are markup; anything else that looks like a tag (`<unk>`, `<s>`, `<eos>`,
# `a < b > c`) is text. `s` is deliberately absent: `<s>` is a sentence-start token in NLP.
_FORMAT_TAG_RE = re.compile(
    r"<(/?)(b|i|u|em|strong|span|div|p|code|tt|small|big|font|sub|sup)(?:\s[^<>]*)?/?>", re.I
)
_LINK_RE = re.compile(
    r"""<a\s[^<>]*?\bhref\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'<>]+))[^<>]*>"""
    r"(.{0,2000}?)</a\s*>",
    re.I | re.S,
)
_BR_RE = re.compile(r"</?br\s*/?>", re.I)
_SCRIPT_TAG_RE = re.compile(r"<(su[pb])(?:\s[^<>]*)?>([^<]*)</\1\s*>", re.I)


def _html_tags(text: str, links: list[str]) -> str:
    def link(m: re.Match[str]) -> str:
        url = html.unescape(m[1] or m[2] or m[3] or "").strip()
        label = m[4]
        if not url:
            return label
        shown = html.unescape(_FORMAT_TAG_RE.sub("", label)).strip()
        if shown in ("", url):
            links.append(url)
            return _LINK_SLOT
        links.append(f" ({url})")
        return label + _LINK_SLOT

    def script(m: re.Match[str]) -> str:
        body = m[2]
        sup = m[1].lower() == "sup"
        # An entity would be decoded twice if converted here; leave it to the entity step.
        if "&" in body:
            return ("^" if sup else "_") + f"({body})"
        return _script(body, sup)

    def format_tag(m: re.Match[str]) -> str:
        name = m[2].lower()
        return "\n\n" if name == "p" else "\n" if name == "div" else ""

    text = _LINK_RE.sub(link, text)
    text = _BR_RE.sub("\n", text)
    text = _SCRIPT_TAG_RE.sub(script, text)
    return _FORMAT_TAG_RE.sub(format_tag, text)


# ------------------------------------------------------------------------------------------ LaTeX


def _braced(depth: int, cap: int = 300) -> str:
    """Pattern for the inside of a {...} group holding up to `depth` nested groups.

    The alternatives never overlap, and `cap` bounds how far an unclosed `{` makes it look, so a
    hostile abstract full of `\\x{` cannot make matching quadratic.
    """
    unit = r"(?:\\.|[^{}\\])"
    for _ in range(depth):
        unit = rf"(?:\\.|[^{{}}\\]|\{{{unit}{{0,{cap}}}\}})"
    return rf"{unit}{{0,{cap}}}"


_GROUP = rf"\{{{_braced(2)}\}}"
_GROUP_RE = re.compile(rf"\{{({_braced(2)})\}}", re.S)
_OPT_RE = re.compile(r"\[([^\[\]{}]{0,200})\]")
_CMD = (
    r"\\(?P<cmd>[a-zA-Z]+)(?P<star>\*?)"
    r"(?P<opts>(?:\[[^\[\]{}]{0,200}\]){0,2})"
    rf"(?P<args>(?:{_GROUP}){{0,2}})"
)
# Every branch starts with a literal so the regex engine can skip straight to `\ $ { ~ ^`.
_TEXT_RE = re.compile(
    r"\\(?P<backslashes>\\)"
    r"|\\(?P<dollar>\$)"
    r"|\$\$(?P<display>(?:[^$\\]|\\.)+?)\$\$"
    # As in Pandoc, `$` opens before a non-space and closes after one: "costs $5 or $6" is text.
    r"|\$(?![\s$])(?P<inline>(?:[^$\\]|\\.)+?)(?<!\s)\$"
    r"|\\\((?P<paren>.{1,2000}?)\\\)"
    r"|\\\[(?P<bracket>.{1,2000}?)\\\]"
    r"|\{\\(?:em|bf|it|rm|sl|sc|sf|tt|bfseries|itshape|scshape)(?![a-zA-Z])\s*"
    rf"(?P<declared>{_braced(1)})\}}"
    r"|~(?=\\(?:cite[a-z]*|[a-z]*ref)\b)"
    rf"|{_CMD}"
    r"|\\(?P<accent>['\"`^~=.])(?P<accented>\{\\?[a-zA-Z]\}|[a-zA-Z]|\\[ij](?![a-zA-Z]))"
    r"|\\(?P<char>[%&_#${}])"
    r"|\\(?P<space>[,;:! ])"
    r"|\^(?P<power>\d+|\{[-+]?\d+\})",
    re.S,
)
_MATH_RE = re.compile(
    r"\\(?P<sizing>(?:left|right|middle|[bB]igg?[lr]?)(?![a-zA-Z])(?:\s*\.)?)"
    rf"|{_CMD}"
    r"|\\(?P<char>[%&_#${}|])"
    r"|\\(?P<space>[,;:!> ]|\\)"
    rf"|\^(?P<sup>\s*(?:{_GROUP}|\\[a-zA-Z]+(?:{_GROUP}){{0,2}}|[^\s{{}}\\^_]))"
    rf"|_(?P<sub>\s*(?:{_GROUP}|\\[a-zA-Z]+(?:{_GROUP}){{0,2}}|[^\s{{}}\\^_]))"
    r"|[~{}]",
    re.S,
)


def _latex(text: str) -> str:
    """Convert LaTeX in running text; `$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]` are math."""
    return _TEXT_RE.sub(_text_token, text)


def _math(text: str) -> str:
    return _MATH_RE.sub(_math_token, text)


def _text_token(m: re.Match[str]) -> str:
    # `lastgroup` names the branch that matched: `args` is the last group of a command.
    kind = m.lastgroup
    if kind == "args":
        return _command(m, math=False)
    if kind == "inline":
        math = m[kind]
        if math[0].isdigit() and m.string[m.end() : m.end() + 1].isdigit():
            return f"${_latex(math)}$"  # "$1,000-$2,000" is money, not math
        return _math(math)
    if kind in ("display", "paren", "bracket"):
        return _math(m[kind])
    if kind == "char":
        return _char(m[kind])
    if kind == "power":
        return _script(m[kind].strip("{}"), sup=True)
    if kind == "accented":
        # `\'{\i}` is an accented dotless i; Unicode wants the accent on a plain i.
        return _accented(m[kind].strip("{}\\"), _ACCENTS[m["accent"]])
    if kind == "space":
        return "" if m[kind] == "!" else " "
    if kind == "declared":
        return _latex(m[kind])
    if kind == "dollar":
        return "$"
    if kind is None:  # the tie in "Fig.~\ref{x}"
        return " "
    return m[0]  # `\\`: a line break in LaTeX, but far more often a literal in an abstract


def _math_token(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "args":
        return _command(m, math=True)
    if kind in ("sup", "sub"):
        arg = m[kind].strip()
        return _script(_math(arg[1:-1] if arg.startswith("{") else arg), kind == "sup")
    if kind == "char":
        return _char(m[kind])
    if kind == "space":
        return "" if m[kind] == "!" else " "
    return " " if m[0] == "~" else ""  # sizing commands and grouping braces draw nothing


def _char(c: str) -> str:
    # `&amp;` rather than `&`, so the entity step that follows cannot read "\&lt" as "<".
    return {"&": "&amp;", "|": "‖"}.get(c, c)


def _command(m: re.Match[str], math: bool) -> str:
    name = m["cmd"]
    args = _GROUP_RE.findall(m["args"]) if m["args"] else []
    opts = _OPT_RE.findall(m["opts"]) if m["opts"] else []
    convert = _math if math else _latex
    known = _known_command(name, args, opts, convert)
    if known is None:
        # Unknown, or known but missing its argument: keep it as typed so nothing vanishes.
        return (
            f"\\{name}{m['star']}"
            + "".join(f"[{convert(o)}]" for o in opts)
            + "".join(f"{{{convert(a)}}}" for a in args)
        )
    out, n_args, n_opts = known
    out += "".join(f"[{convert(o)}]" for o in opts[n_opts:])
    for a in args[n_args:]:
        # A group after a symbol: grouping in math, literal braces in text (not `{}` in `\LaTeX{}`).
        out += convert(a) if math or not a else f"{{{convert(a)}}}"
    return out


def _known_command(
    name: str, args: list[str], opts: list[str], convert: Callable[[str], str]
) -> tuple[str, int, int] | None:
    """The command's text and how many of its {args} and [opts] it used, or None if unknown."""
    symbol = _SYMBOLS.get(name)
    if symbol is not None:
        return symbol, 0, 0
    if not args:
        return None
    arg = args[0]
    styled = _styled(name, arg, convert)
    if styled is not None:
        return styled, 1, 0
    if name in _REFS:
        return _reference(name, arg, opts), 1, len(opts)
    if name in _ACCENT_COMMANDS:
        base = convert(arg)
        return (_accented(base, _ACCENT_COMMANDS[name]), 1, 0) if len(base) == 1 else None
    if name in ("frac", "dfrac", "tfrac"):
        if len(args) < 2:
            return None
        return f"{_operand(convert(arg))}/{_operand(convert(args[1]))}", 2, 0
    if name == "sqrt":
        return _root(arg, opts, convert), 1, len(opts[:1])
    if name == "href":
        return (f"{_latex(args[1])} ({arg})", 2, 0) if len(args) == 2 else None
    return None


def _styled(name: str, arg: str, convert: Callable[[str], str]) -> str | None:
    """The text of a one-argument command that only changes the look of its argument."""
    if name in _TEXT_FONTS:
        return _latex(arg)
    if name in _MATH_FONTS:
        return convert(arg)
    if name == "mathbb":
        return convert(arg).translate(_BLACKBOARD)
    if name == "url":
        return arg
    if name in ("textsuperscript", "textsubscript"):
        return _script(_latex(arg), sup=name == "textsuperscript")
    return None


def _reference(name: str, arg: str, opts: list[str]) -> str:
    """\\cite[pre][post]{a,b} as "[pre a, b, post]"; \\eqref{x} as "(x)"."""
    keys = ", ".join(k.strip() for k in arg.split(",") if k.strip())
    notes = [_latex(o).replace("~", " ").strip() for o in opts]
    pre, post = notes if len(notes) == 2 else ("", notes[0]) if notes else ("", "")
    inner = " ".join(p for p in (pre, keys) if p) + (f", {post}" if post else "")
    return ("({})" if name == "eqref" else "[{}]").format(inner)


def _root(arg: str, opts: list[str], convert: Callable[[str], str]) -> str:
    """\\sqrt[n]{x}: √, ∛, ∜, or the index as a superscript before √."""
    root = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(opts[0].strip() if opts else "")
    if root is None:
        root = _script(convert(opts[0]), sup=True) + "√"
    return root + _operand(convert(arg))


_ATOM_RE = re.compile(r"[\w.′]+")


def _operand(s: str) -> str:
    """`a+b` becomes `(a+b)` where precedence would otherwise be lost; `10`, `dx`, `N` do not."""
    return s if _ATOM_RE.fullmatch(s) else f"({s})"


def _accented(base: str, mark: str) -> str:
    return unicodedata.normalize("NFC", base + mark)


_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ∘°′″*†‡⊤",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ°°′″*†‡ᵀ",
        strict=True,
    )
)
_SUBSCRIPTS = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
_SCRIPT_TABLES = {
    True: (frozenset(_SUPERSCRIPTS), str.maketrans(_SUPERSCRIPTS), "^"),
    False: (frozenset(_SUBSCRIPTS), str.maketrans(_SUBSCRIPTS), "_"),
}


def _script(body: str, sup: bool) -> str:
    """Unicode super/subscript when every character has one, else `^x` / `^(n+1)`."""
    chars, table, mark = _SCRIPT_TABLES[sup]
    # Spaces around operators go; a space left between words means "train set", not "trainset".
    tight = _OPERATOR_SPACE_RE.sub(r"\1", body.strip())
    if not tight:
        return ""
    if " " not in tight and chars.issuperset(tight):
        return tight.translate(table)
    return mark + tight if len(tight) == 1 else f"{mark}({tight})"


_OPERATOR_SPACE_RE = re.compile(r"\s*([^\w\s])\s*")


_BLACKBOARD = str.maketrans(
    {
        **{c: chr(0x1D538 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
        # Letters that live in Letterlike Symbols, not in the Mathematical Alphanumerics block.
        **dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True)),
        "1": "𝟙",
    }
)
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307"}  # fmt: skip
_ACCENT_COMMANDS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304",
    "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308",
    "check": "\u030c", "breve": "\u0306", "acute": "\u0301", "grave": "\u0300",
    "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328", "r": "\u030a",
}  # fmt: skip
_REFS = frozenset(
    "cite citep citet citealp citealt citeauthor citeyear parencite textcite autocite nocite "
    "ref eqref autoref cref Cref pageref".split()
)
_TEXT_FONTS = frozenset(
    "text textrm textbf textit textsf texttt textsc textup textnormal emph mbox hbox".split()
)
_MATH_FONTS = frozenset(
    "mathrm mathit mathbf mathsf mathtt mathcal mathscr mathfrak mathnormal boldsymbol bm "
    "operatorname underline".split()
)
_SYMBOLS: dict[str, str] = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ",
    "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    # relations and operators
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "sim": "∼", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫",
    "pm": "±", "mp": "∓", "times": "×", "cdot": "·", "div": "÷", "ast": "∗", "star": "⋆",
    "circ": "∘", "bullet": "•", "oplus": "⊕", "otimes": "⊗", "odot": "⊙",
    "dagger": "†", "ddagger": "‡", "prime": "′",
    "infty": "∞", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖",
    "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬",
    "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨", "top": "⊤", "bot": "⊥", "perp": "⊥",
    "parallel": "∥", "mid": "|", "vert": "|", "Vert": "‖",
    "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮",
    "rightarrow": "→", "to": "→", "leftarrow": "←", "gets": "←", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔", "iff": "⇔",
    "implies": "⟹", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋",
    "ell": "ℓ", "hbar": "ℏ", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ", "degree": "°",
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    # operator names print as words
    **{f: f for f in "log ln exp sin cos tan sinh cosh tanh arcsin arccos arctan max min sup inf "
       "lim limsup liminf arg argmax argmin det dim ker gcd deg Pr mod bmod".split()},
    # spacing, and commands that only change the look
    "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ",
    **{f: "" for f in "displaystyle textstyle scriptstyle limits nolimits nonumber notag xspace "
       "bf it em rm sl sc sf tt bfseries itshape scshape normalfont".split()},
    # text
    "LaTeX": "LaTeX", "TeX": "TeX", "eg": "e.g.", "ie": "i.e.", "etal": "et al.", "etc": "etc.",
    "vs": "vs.", "cf": "cf.", "wrt": "w.r.t.",
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø",
    "O": "Ø", "l": "ł", "L": "Ł",
}  # fmt: skip
