"""The words after `/lookout digest #channel`: `[daily | weekly [mon…sun] | monthly] [rollup [properties=a,b,…]]
[HH:MM] [IANA timezone] [kpis=a,b,…]`, each optional, in that order; the daily form (`[HH:MM] [tz]`) reads exactly
as it always did. `rollup` (weekly unless a cadence is named) makes the digest a roll-up across the GA4 properties
the Google connection reads; `properties=` names which (ids, or names without spaces, resolved when saving)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest.kpis import Kpi, parse_kpi, stored
from bot.subscriptions import manage
from bot.text import rollups as rollup_words
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence

KPIS_PREFIX = "kpis="
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WordsProblem(Exception):
    """What was wrong with the words, ready to show (already escaped)."""


@dataclass(frozen=True, kw_only=True)
class DigestWords:
    cadence: DigestCadence = DigestCadence.DAILY
    weekday: int = 0
    time_of_day: str | None = None
    timezone: str | None = None
    kpis: str | None = None  # stored form; None: not given (keep what the subscription had, or the default set)
    rollup: bool = False
    properties: tuple[str, ...] = ()  # a roll-up's properties as typed (ids or names); () = every one listed


def weekday_of(word: str) -> int | None:
    """`mon`, `Monday`, `tues`, … as 0–6 (Monday = 0); None for anything else."""
    lowered = word.lower()
    for index, short in enumerate(WEEKDAYS):
        full = messages.WEEKDAY_NAMES[index].lower()
        if len(lowered) >= 3 and full.startswith(lowered):
            return index
        if lowered == short:
            return index
    return None


def _kpis(word: str) -> str:
    names = [name for name in word.removeprefix(KPIS_PREFIX).split(",") if name.strip()]
    found: list[Kpi] = []
    for name in names:
        kpi = parse_kpi(name)
        if kpi is None:
            raise WordsProblem(messages.bad_kpi(value=name))
        found.append(kpi)
    if not found:
        raise WordsProblem(messages.bad_kpi(value=word))
    return stored(found)


def _rollup(rest: list[str]) -> tuple[bool, tuple[str, ...]]:
    """Take `rollup` and `properties=…` out of `rest`: whether it is a roll-up, and the properties typed."""
    rollup = False
    for word in [word for word in rest if word.lower() in rollup_words.ROLLUP_WORDS][:1]:
        rollup = True
        rest.remove(word)
    typed: tuple[str, ...] = ()
    for word in [word for word in rest if word.lower().startswith(rollup_words.PROPERTIES_PREFIX)][:1]:
        if not rollup:
            raise WordsProblem(rollup_words.PROPERTIES_NEED_ROLLUP)
        typed = tuple(part.strip() for part in word[len(rollup_words.PROPERTIES_PREFIX) :].split(",") if part.strip())
        rest.remove(word)
    return rollup, typed


def parse_digest_words(words: Sequence[str]) -> DigestWords:
    """Read the optional words after the channel; raises `WordsProblem` naming the first one not understood.

    Kept whole because it reads the words in their one order: cadence and weekday, roll-up, KPIs, time and zone.
    """
    rest = list(words)
    rollup, properties = _rollup(rest)
    cadence = DigestCadence.WEEKLY if rollup else DigestCadence.DAILY  # a roll-up is weekly unless told otherwise
    weekday = 0
    if rest and rest[0].lower() in {c.value for c in DigestCadence}:
        cadence = DigestCadence(rest.pop(0).lower())
        if cadence is DigestCadence.WEEKLY and rest and (day := weekday_of(rest[0])) is not None:
            weekday = day
            rest.pop(0)
    kpis: str | None = None
    for word in [word for word in rest if word.lower().startswith(KPIS_PREFIX)][:1]:
        if rollup:
            raise WordsProblem(rollup_words.KPIS_NOT_ROLLUP)
        if cadence is DigestCadence.DAILY:
            raise WordsProblem(messages.KPIS_NOT_DAILY)
        kpis = _kpis(word)
        rest.remove(word)
    time_of_day: str | None = None
    timezone: str | None = None
    for word in rest:
        if time_of_day is None and timezone is None and (parsed := manage.valid_time(word)) is not None:
            time_of_day = parsed
        elif timezone is None and (zone := manage.valid_timezone(word)) is not None:
            timezone = zone
        else:
            raise WordsProblem(_word_problem(word, timezone_given=timezone is not None))
    return DigestWords(
        cadence=cadence,
        weekday=weekday,
        time_of_day=time_of_day,
        timezone=timezone,
        kpis=kpis,
        rollup=rollup,
        properties=properties,
    )


def _word_problem(word: str, *, timezone_given: bool) -> str:
    if timezone_given:
        return messages.unexpected_words(words=word)
    if word[:1].isdigit():
        return messages.bad_time(value=word)
    if weekday_of(word) is not None:
        return messages.WEEKDAY_NEEDS_WEEKLY
    if "/" in word or word.isalpha():
        return messages.bad_timezone(value=word)
    return messages.unexpected_words(words=word)
