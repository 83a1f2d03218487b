"""Issue 19 item 6: the README tells the truth about the settings and the commands. Its settings
table is generated from ecabinet/config.py (tools/settings_table.py) and must equal it; every
``run.py`` command and option is in its command list."""

from __future__ import annotations

import argparse
import re
import textwrap

import pytest

import run
from ecabinet.config import MEANINGS, Settings, SettingsError
from tools import settings_table

README = settings_table.README.read_text(encoding="utf-8")


def test_the_readme_settings_table_is_the_one_config_py_gives():
    assert settings_table.readme_with_table(README, settings_table.generated_table()) == README, (
        "README.md differs from ecabinet/config.py: run `python tools/settings_table.py`"
    )
    assert settings_table.main(["--check"]) == 0


def test_every_variable_from_env_reads_is_in_the_table():
    variables = settings_table.read_variables(settings_table.CONFIG.read_text(encoding="utf-8"))
    names = {v.name for v in variables}
    assert len(names) >= 36 and names == set(MEANINGS)
    for name in ("CA_PASSPHRASE", "SMTP_HOST", "TURN_URLS", "WS_ALLOWED_ORIGINS"):
        assert f"| `ECABINET_{name}` |" in README, name


@pytest.mark.parametrize("name", sorted(MEANINGS))
def test_each_documented_variable_is_really_read(name):
    """Setting the variable changes the settings or is refused: the AST reading is not a guess."""
    default = Settings.from_env({})
    for value in ("1", "yes", "x" * 20, "production"):
        try:
            if Settings.from_env({f"ECABINET_{name}": value}) != default:
                return
        except SettingsError:
            return
    pytest.fail(f"ECABINET_{name} does not change anything")


def test_a_new_variable_without_a_meaning_stops_the_tool():
    source = textwrap.dedent(
        """
        class Settings:
            @classmethod
            def from_env(cls, environ=None):
                port = get_int("PORT", 8080)
                return cls(port=port, fresh=get("FRESH_THING"), n=get_int("N", 6 * 60))
        """
    )
    variables = settings_table.read_variables(source)
    assert [(v.name, v.default) for v in variables] == [
        ("PORT", "8080"),
        ("FRESH_THING", ""),
        ("N", "360"),
    ]
    with pytest.raises(SystemExit, match="FRESH_THING"):
        settings_table.render(variables, {"PORT": "port", "N": "n"}, {})
    with pytest.raises(SystemExit, match="GONE"):
        settings_table.render(variables[:1], {"PORT": "port", "GONE": "gone"}, {})


def test_a_stale_table_is_found():
    stale = README.replace("| `ECABINET_SMTP_HOST` |", "| `ECABINET_SMTP_SERVER` |")
    assert settings_table.readme_with_table(stale, settings_table.generated_table()) != stale


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in run.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_and_option_of_run_py_is_in_the_readme():
    section = README[README.index("## Command line") : README.index("## Documentation")]
    for name, command in _commands().items():
        assert re.search(rf"run\.py {re.escape(name)}\b", section), name
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in section, f"{name} {flag}"
