"""What the app's tag input (`t`) means, without any UI: parsing and completion.

The input holds one or more names separated by spaces: ``name`` adds that tag, ``-name``
removes it. Names follow the store's rules (`reader.state.fields.valid_tag`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .state.fields import TAG_PREFIX, valid_tag

TagChange = tuple[str, bool]
"""(tag name, True to add or False to remove)."""


def parse_tag_input(text: str) -> tuple[list[TagChange], str | None]:
    """The changes the text asks for, or an error (one line naming the bad word)."""
    changes: dict[str, bool] = {}
    for word in text.split():
        add = not word.startswith("-")
        name = word if add else word[1:]
        problem = valid_tag(name)
        if problem is not None:
            shown = name if name.isprintable() and len(name) <= 40 else repr(name[:40])
            return [], f"{problem}: {shown}" if name else problem
        changes[name] = add
    if not changes:
        return [], "type a tag name to add, -name to remove"
    return list(changes.items()), None


def complete(value: str, known: Sequence[str]) -> str | None:
    """`value` with its last word completed to a known tag (case-insensitive prefix), or None."""
    if not value or value[-1].isspace():
        return None
    last = value.split()[-1]
    sign = "-" if last.startswith("-") else ""
    stem = last[len(sign):]
    if not stem:
        return None
    folded = stem.casefold()
    for tag in known:
        if tag.casefold().startswith(folded) and len(tag) > len(stem):
            return value + tag[len(stem):]
    return None


def tag_changes(keys: Iterable[str], changes: Sequence[TagChange]) -> list[tuple[str, str, bool | str | None]]:
    """Store changes (key, ``tag:NAME``, value) for every key and tag."""
    return [(key, TAG_PREFIX + name, add) for key in keys for name, add in changes]


def describe(changes: Sequence[TagChange], papers: int) -> str:
    """'tagging 3 papers: +ml -old' (what was asked, before it is written)."""
    words = " ".join(("+" if add else "-") + name for name, add in changes)
    return f"{papers} paper{'s' * (papers != 1)}: {words}"
