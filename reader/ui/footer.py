"""The footer, fitted to the width: whole hints that do not fit are left out, the command
palette's first, then from the right (the hints come in order of importance); a hint is never
cut in the middle of a word (Textual's Footer clips at the edge)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    """Textual's Footer that drops whole hints rather than clipping them."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if not self.is_attached:
            return
        keys = list(self.query(FooterKey))
        for key in keys:
            key.display = True
        widths = {key: key.outer_size.width for key in keys}
        palette = [k for k in keys if k.has_class("-command-palette")]
        order = palette + [k for k in reversed(keys) if k not in palette]  # dropped first to last
        total = sum(widths.values())
        for key in order:
            if total <= self.size.width:
                break
            key.display = False
            total -= widths[key]

    @property
    def shown_hints(self) -> list[str]:
        """The descriptions of the hints on screen, left to right."""
        return [k.description for k in self.query(FooterKey) if k.display]
