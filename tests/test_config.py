"""config.toml: the new keys, problems as FILE:LINE: KEY: message, `show`, the browser command."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from reader.config import Config, browser_command, key_line, load_config, save_config, show_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_new_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = write(tmp_path, 'library = "~/arxiv"\nbrowser = "firefox --new-tab %u"\ntheme = "nord"\n'
                           'navigator = "hide"\nexport_dir = "~/papers"\n')
    config, problems = load_config(path)
    assert problems == []
    assert config.library == tmp_path / "arxiv" and config.export_dir == tmp_path / "papers"
    assert config.browser == "firefox --new-tab %u"
    assert config.theme == "nord" and config.navigator == "hide"


def test_defaults(tmp_path: Path) -> None:
    config, problems = load_config(tmp_path / "missing.toml")
    assert problems == []
    assert (config.library, config.browser, config.theme, config.navigator) == (None, None, None, "auto")


def test_problems_name_file_line_and_key_and_keep_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join([
        "# my settings",
        'library = "/tmp/lib"',
        "navigator = 'sometimes'",
        "theme = 3",
        "colour = 'red'",
        'browser = "firefox \'unbalanced"',
        "",
        "[queries]",
        '1 = "ti:x"',
        "12 = 'cat:cs.CV'",
    ]) + "\n")
    config, problems = load_config(path)
    assert problems == [
        f'{path}:3: navigator: must be "auto", "show" or "hide"; using "auto"',
        f"{path}:4: theme: must be a theme name (a string)",
        f"{path}:5: colour: unknown setting, ignored",
        f'{path}:6: browser: must be a command such as "firefox --new-tab %u"',
        f"{path}:10: queries.12: ignored (keys are 1-9, values strings)",
    ]
    assert config.library == Path("/tmp/lib") and config.queries == {1: "ti:x"}
    assert config.navigator == "auto" and config.theme is None and config.browser is None


def test_bad_toml_gives_the_line_and_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'library = "/tmp/lib"\n\nnavigator = \n')
    config, problems = load_config(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3: ")
    assert config.library is None


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"theme = '\xff'\n")
    config, problems = load_config(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:1: not UTF-8")


def test_key_line_scan() -> None:
    text = 'a = 1\n[queries]\n"1" = "x"\n[keys]\n  \'app.quit\' = "q"\n'
    assert key_line(text, "a") == 1
    assert key_line(text, "queries") == 2
    assert key_line(text, "1", "queries") == 3
    assert key_line(text, "app.quit", "keys") == 5
    assert key_line(text, "1") == 1  # not at the top level: the file's first line
    assert key_line(text, "missing", "keys") == 1


FETCH_DEFAULTS = {"fetch_url": "https://rss.arxiv.org/rss/{category}", "api_url": "http://export.arxiv.org/api/query",
                  "fetch_interval_s": 3.0, "fetch_timeout_s": 30.0, "fetch_max_mb": 50.0, "fetch_on_start": False,
                  "osc52_max_kb": 100.0}


def test_show_is_toml_with_unset_keys_as_comments(tmp_path: Path) -> None:
    shown = show_config(Config(path=tmp_path / "c.toml"))
    assert "# library = (not set)" in shown and "# browser = (not set)" in shown
    assert "# export_dir = (not set: the current directory)" in shown and "# categories = (not set)" in shown
    assert tomllib.loads(shown) == {"dwell_seconds": 2.0, "navigator": "auto", "queries": {}, "keys": {},
                                    **FETCH_DEFAULTS}
    config = Config(path=tmp_path / "c.toml", library=Path("/x/y"), browser='a "b" %u', theme="nord",
                    queries={2: 'ti:"a b"'}, keys={"app.quit": "q,ctrl+q"}, export_dir=Path("/e"))
    data = tomllib.loads(show_config(config))
    assert data == {"dwell_seconds": 2.0, "library": "/x/y", "browser": 'a "b" %u', "theme": "nord",
                    "navigator": "auto", "export_dir": "/e", "queries": {"2": 'ti:"a b"'},
                    "keys": {"app.quit": "q,ctrl+q"}, **FETCH_DEFAULTS}
    # what `show` prints, loaded as a config file, is the same configuration
    path = write(tmp_path, show_config(config))
    again, problems = load_config(path)
    assert problems == [] and (again.library, again.browser, again.queries) == (
        config.library, config.browser, config.queries)


def test_saving_keeps_the_new_keys(tmp_path: Path) -> None:
    path = write(tmp_path, 'library = "/data/arxiv"\nnavigator = "show"\nbrowser = "w3m %u"\nexport_dir = "/e"\n')
    config, _ = load_config(path)
    config.queries[1] = "is:unread"
    save_config(config)
    again, problems = load_config(path)
    assert problems == []
    assert (again.library, again.navigator, again.browser, again.export_dir, again.queries) == (
        Path("/data/arxiv"), "show", "w3m %u", Path("/e"), {1: "is:unread"})


def test_browser_command() -> None:
    url = "https://arxiv.org/abs/1907.03739"
    assert browser_command("firefox --new-tab %u", url) == ["firefox", "--new-tab", url]
    assert browser_command("'my browser'", url) == ["my browser", url]
    assert browser_command("open -a Safari url=%u;x", url) == ["open", "-a", "Safari", f"url={url};x"]
    with pytest.raises(ValueError):
        browser_command("'x", url)
