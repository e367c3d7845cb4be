"""The tag input (`t`) and the note editor (`N`): small modal screens.

Both are text inputs: every printable key goes into the text (the app's own keys do nothing
while one is open). The tag input completes the word being typed from the tags already used
(right arrow or Tab accepts); the note editor saves with ctrl+s, undoes with ctrl+z (the
editor's own undo) and asks before Esc drops an edited note. Shown text is `Content`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static, TextArea

from ..state.fields import valid_note
from ..tagging import TagChange, complete, parse_tag_input
from .screens import ConfirmScreen


class TagSuggester(Suggester):
    """Completes the last word of the tag input from the tags already used."""

    def __init__(self, known: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = list(known)

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.known)


class TagInput(Input):
    """The tag input: Tab accepts the completion (as the right arrow does)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "accept", "Complete", show=False, priority=True, id="tag.complete"),
    ]

    def action_accept(self) -> None:
        self.action_cursor_right()


class TagScreen(ModalScreen[list[TagChange] | None]):
    """`t`: type tags to add, `-tag` to remove; Enter applies, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False, id="tag.cancel"),
    ]

    DEFAULT_CSS = """
    TagScreen { align: center middle; }
    TagScreen > Vertical {
        width: 70; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TagScreen #tag-error { color: $text-error; }
    """

    def __init__(self, target: str, known: Sequence[str], current: Sequence[str] = ()) -> None:
        super().__init__()
        self.target = target
        self.known = sorted(known, key=str.casefold)
        self.current = list(current)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Tag {self.target}"), markup=False)
            if self.current:
                yield Static(Content.assemble(("now: ", "$text-muted"), " ".join(self.current)), markup=False)
            yield TagInput(placeholder="name adds, -name removes (Tab completes)", id="tag-input",
                           suggester=TagSuggester(self.known))
            yield Static(Content(""), id="tag-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(TagInput).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        changes, error = parse_tag_input(event.value)
        if error is not None:
            self.query_one("#tag-error", Static).update(Content(error))
            return
        self.dismiss(changes)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DropScreen(ConfirmScreen):
    """The question before an edited note is dropped (nothing undoes that)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question), markup=False)
            yield Static(Content.assemble(("y", "bold"), " drop it    ", ("n", "bold"), " keep editing"),
                         markup=False)


class NoteScreen(ModalScreen[str | None]):
    """`N`: edit a paper's note. Dismisses with the new text ("" deletes), None when dropped."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
        Binding("escape", "close", "Close", id="note.close"),
    ]

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    NoteScreen > Vertical {
        width: 90; max-width: 100%; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    NoteScreen TextArea { height: 1fr; }
    NoteScreen #note-error { color: $text-error; }
    """

    def __init__(self, target: str, text: str) -> None:
        super().__init__()
        self.target = target
        self.original = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Note on {self.target}"), markup=False)
            yield TextArea(self.original, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Content(""), id="note-error", markup=False)
            yield Static(Content.assemble(("ctrl+s", "bold"), " save   ", ("ctrl+z", "bold"), " undo   ",
                                          ("Esc", "bold"), " close (asks when edited)   empty note: deleted"),
                         markup=False)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def edited(self) -> bool:
        return self.text != self.original

    def action_save(self) -> None:
        problem = valid_note(self.text)
        if problem is not None:
            self.query_one("#note-error", Static).update(Content(problem))
            return
        self.dismiss(self.text)

    def action_close(self) -> None:
        if not self.edited:
            self.dismiss(None)
            return
        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(DropScreen("Drop the changes to this note?"), answered)
