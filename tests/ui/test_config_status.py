"""Config problems in the app: one summary line in the status bar, the defaults kept."""

from __future__ import annotations

from reader.config import load_config
from reader.state import StateStore
from reader.ui.app import ReaderApp

from ..test_config_problems import BAD
from .conftest import SAMPLES, screen_text, settle, wait_ready
from .test_marks import FIRST, on_disk


async def test_one_summary_line_and_the_defaults_stay(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(BAD.replace("dwell_seconds = 1.0", "dwell_seconds = 0"), encoding="utf-8")
    config, _ = load_config(path)
    store = StateStore(tmp_path / "state")
    store.load()
    app = ReaderApp([str(SAMPLES)], store=store, config=config, cache=None, history_file=tmp_path / "h.txt")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_ready(app, pilot)
        text = screen_text(app)
        assert "config: 5 problems, see arxiv-reader config check" in text
        assert not app.notices  # no toasts
        assert "s Star" in text  # "notakey!!" did not replace s
        await pilot.press("j", "k", "s", "x")  # j still moves (not quit), s stars, x (a valid remap) reads
        await settle(app, pilot)
        assert app.is_running
        disk = on_disk(tmp_path)
        assert disk.is_starred(FIRST) and disk.is_read(FIRST)
