"""The launcher's settings: .env parsing, the run settings, the variables credentials.yml asks for."""
from __future__ import annotations

from pathlib import Path

import pytest

from launcher.config import RunSettings, channel_variables, merged_environment, read_dotenv


def test_dotenv_parsing(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# c\nA=1\nexport B="two words"\nC=\'x\'\n\nbroken line\nD=\n')
    assert read_dotenv(env_file) == {"A": "1", "B": "two words", "C": "x", "D": ""}
    assert read_dotenv(tmp_path / "missing") == {}
    assert merged_environment({"A": "env"}, {"A": "file", "B": "file"}) == {"A": "env", "B": "file"}


def test_run_settings() -> None:
    assert RunSettings.from_env({}).mode == "sandbox"
    settings = RunSettings.from_env({"CLOUDBUTLER_MODE": "AWS", "CLOUDBUTLER_RASA_PORT": "6000"})
    assert (settings.mode, settings.rasa_port, settings.actions_port) == ("aws", 6000, 5055)
    with pytest.raises(ValueError):
        RunSettings.from_env({"CLOUDBUTLER_MODE": "prod"})


def test_channel_variables(tmp_path: Path) -> None:
    creds = tmp_path / "credentials.yml"
    creds.write_text("x:\n  token: ${B_TOKEN}\n  other: ${A_URL}\n  again: ${B_TOKEN}\n")
    assert channel_variables(creds) == ["A_URL", "B_TOKEN"]
