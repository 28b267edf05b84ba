"""`.env.example` lists every variable of `Settings`, each with a comment, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic.fields import FieldInfo

from bot.config.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def _variable(name: str, field: FieldInfo) -> str:
    """The name a person sets: the first alias when the field has several, else the field name in capitals."""
    choices = getattr(field.validation_alias, "choices", None)
    return str(choices[0]).upper() if choices else name.upper()


def _listed() -> list[tuple[str, str, str]]:
    """(variable, value, the line above it) for every assignment in the file."""
    lines = EXAMPLE.read_text().splitlines()
    return [
        (match.group(1), match.group(2), lines[index - 1] if index else "")
        for index, line in enumerate(lines)
        if (match := ASSIGNMENT.match(line))
    ]


def test_every_setting_is_listed_once_and_nothing_else() -> None:
    listed = [variable for variable, _, _ in _listed()]

    assert sorted(listed) == sorted(_variable(name, field) for name, field in Settings.model_fields.items())


def test_each_variable_has_a_comment_and_an_empty_value() -> None:
    for variable, value, above in _listed():
        assert above.startswith("# ") and len(above) > 10, variable
        assert value == "", f"{variable}: the template holds no values (empty means unset)"


def test_a_copy_of_the_example_is_a_valid_configuration(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(EXAMPLE.read_text())

    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]

    assert settings == Settings(_env_file=None)  # type: ignore[call-arg]
