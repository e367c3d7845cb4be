"""Modal screens: the key help (built from the live bindings) and a yes/no confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.app import App

_SECTIONS = (
    ("Move (list) · scroll (abstract pane)", "papers"),
    ("Read and star", "app.marks"),
    ("Filter", "filter"),
    ("Other", "app.other"),
)
_MARK_ACTIONS = {"read_next", "page_or_read_next", "open_pdf_read",
                 "toggle_read", "toggle_star", "next_unread", "prev_unread",
                 "mark_all", "undo"}
_FILTER_ACTIONS = {"focus_filter", "clear_filter", "toggle_rank", "save_query"}

_FILTER_HELP = (
    ("words", "all must match: title, abstract or id"),
    ("Capital letters", "make that word case-sensitive"),
    ("a | b   !word", "either / exclude"),
    ("'exact  \"a phrase\"", "exact substring / phrase"),
    ("^start  end$", "anchored to the title"),
    ("ti: abs: cat: id:", "fields (id: is a prefix)"),
    ("date:2019-07  date:A..B", "day, month or range"),
    ("is:unread is:read is:starred", "state"),
    ("arXiv:ID  ID  arxiv.org URL", "that paper (as pasted)"),
    ("Enter / Esc", "keep the filter / clear it (again: leave)"),
    ("up / down", "previous queries (in the filter bar)"),
)


def _keys(app: App, binding: Binding) -> str:
    keys = app._keymap.get(binding.id, binding.key) if binding.id else binding.key
    shown = []
    for key in keys.split(","):
        key = key.strip()
        shown.append(binding.key_display if binding.key_display and "," not in keys else
                     app.get_key_display(Binding(key, binding.action)))
    return " ".join(dict.fromkeys(shown))


def help_text(app: App) -> Content:
    from .paper_list import PaperList

    rows: dict[str, list[tuple[str, str]]] = {name: [] for _, name in _SECTIONS}
    for binding in PaperList.BINDINGS:
        assert isinstance(binding, Binding)
        rows["papers"].append((_keys(app, binding), binding.description))
    seen_queries = False
    for binding in app.BINDINGS:
        assert isinstance(binding, Binding)
        action = binding.action.split("(")[0]
        if action == "saved_query":
            if not seen_queries:
                rows["filter"].append(("1-9", "apply saved query 1-9"))
                seen_queries = True
            continue
        section = ("app.marks" if action in _MARK_ACTIONS else
                   "filter" if action in _FILTER_ACTIONS else "app.other")
        rows[section].append((_keys(app, binding), binding.tooltip or binding.description))
    rows["app.other"].append((app.get_key_display(Binding("ctrl+p", "command_palette")), "command palette"))
    parts: list = []
    for title, name in _SECTIONS:
        parts += [(title, "bold $text-accent"), "\n"]
        entries = rows[name] + (list(_FILTER_HELP) if name == "filter" else [])
        for keys, what in entries:
            parts += [(f"  {keys:<29} ", "bold"), what, "\n"]
        parts.append("\n")
    parts.append(("Esc, q or ? closes this help.", "$text-muted"))
    return Content.assemble(*parts)


class HelpScreen(ModalScreen[None]):
    """Every key, grouped, generated from the bindings so it cannot drift from them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("pagedown,ctrl+d,space", "scroll(10)", "Page down", show=False),
        Binding("pageup,ctrl+u", "scroll(-10)", "Page up", show=False),
        Binding("G,end", "scroll(1000)", "Bottom", show=False),
        Binding("g,home", "scroll(-1000)", "Top", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 92; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, app: App) -> None:
        super().__init__()
        self._content = help_text(app)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._content, markup=False)

    def action_scroll(self, step: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=step, animate=False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y or Enter says yes, n or Esc says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape,q", "answer(False)", "No", id="confirm.no"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 60; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 1 2;
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question), markup=False)
            yield Static(Content.assemble(("y", "bold"), " yes    ", ("n", "bold"), " no  (u undoes it later)"),
                         markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
