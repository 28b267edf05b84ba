"""The words after `/lookout digest #channel`: every form that parsed before still parses to the same digest, and
`rollup` / `properties=` add a roll-up (weekly unless a cadence is named) without taking any word from them."""

from __future__ import annotations

import pytest

from bot.slack.commands.digest_words import DigestWords, WordsProblem, parse_digest_words
from storage.tables.schedule import DigestCadence

DAILY, WEEKLY, MONTHLY = DigestCadence.DAILY, DigestCadence.WEEKLY, DigestCadence.MONTHLY


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", DigestWords()),
        ("08:30 Europe/Paris", DigestWords(time_of_day="08:30", timezone="Europe/Paris")),
        ("weekly tue 07:00", DigestWords(cadence=WEEKLY, weekday=1, time_of_day="07:00")),
        ("monthly kpis=sessions", DigestWords(cadence=MONTHLY, kpis="sessions")),
        ("rollup", DigestWords(cadence=WEEKLY, rollup=True)),
        ("roll-up 08:00 UTC", DigestWords(cadence=WEEKLY, rollup=True, time_of_day="08:00", timezone="UTC")),
        ("weekly fri rollup", DigestWords(cadence=WEEKLY, weekday=4, rollup=True)),
        ("monthly rollup properties=111,acme", DigestWords(cadence=MONTHLY, rollup=True, properties=("111", "acme"))),
        ("rollup daily 06:00", DigestWords(cadence=DAILY, rollup=True, time_of_day="06:00")),
    ],
)
def test_forms(words: str, expected: DigestWords) -> None:
    assert parse_digest_words(words.split()) == expected


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("weekly properties=111", "add `rollup`"),
        ("rollup kpis=sessions", "`kpis=` is for one property's digest"),
        ("kpis=sessions", "KPIs"),
        ("rollup 25:00", "25:00"),
    ],
)
def test_problems(words: str, problem: str) -> None:
    with pytest.raises(WordsProblem) as raised:
        parse_digest_words(words.split())
    assert problem in str(raised.value)
