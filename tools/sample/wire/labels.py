"""What a cube cell is called: every dimension's label for cube indices, and GA4's date forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from tools.sample.dataset import PropertyDataset
from tools.sample.wire.dimensions import CTY, DAY, DEV, HOUR, PAGE, SM, WEEKDAY_NAMES
from tools.sample.wire.protocol import ApiError

_RELATIVE = re.compile(r"^(\d+)daysAgo$")


def resolve_date(value: str, today: date) -> date:
    """GA4's date forms: YYYY-MM-DD, today, yesterday, NdaysAgo."""
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    match = _RELATIVE.match(value)
    if match:
        return today - timedelta(days=int(match.group(1)))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"Invalid date: {value}. Dates must be YYYY-MM-DD, today, yesterday or NdaysAgo.") from None


@dataclass
class Labels:
    """Label functions for every dimension over cube indices."""

    dataset: PropertyDataset
    days: list[date]

    def label(self, name: str, index: Mapping[int, int]) -> str:
        ds = self.dataset
        if name in ("date", "dayOfWeek", "dayOfWeekName", "yearMonth", "isoYearIsoWeek", "dateHour"):
            day = self.days[index[DAY]]
            if name == "date":
                return day.strftime("%Y%m%d")
            if name == "dateHour":
                return day.strftime("%Y%m%d") + f"{index[HOUR]:02d}"
            if name == "dayOfWeek":
                return str((day.weekday() + 1) % 7)
            if name == "dayOfWeekName":
                return WEEKDAY_NAMES[day.weekday()]
            if name == "yearMonth":
                return day.strftime("%Y%m")
            iso = day.isocalendar()
            return f"{iso.year}{iso.week:02d}"
        if name == "hour":
            return f"{index[HOUR]:02d}"
        if name in ("sessionDefaultChannelGroup", "sessionSource", "sessionMedium", "sessionSourceMedium"):
            sm = ds.catalog.all_source_mediums[index[SM]]
            return {
                "sessionDefaultChannelGroup": sm.channel,
                "sessionSource": sm.source,
                "sessionMedium": sm.medium,
                "sessionSourceMedium": sm.label,
            }[name]
        if name == "deviceCategory":
            return ds.catalog.devices[index[DEV]]
        if name == "country":
            return ds.catalog.countries[index[CTY]][0]
        if name == "countryId":
            return ds.catalog.countries[index[CTY]][1]
        path = ds.catalog.pages[index[PAGE]][0]
        if name in ("landingPage", "pagePath"):
            return path
        if name == "landingPagePlusQueryString":
            return path
        if name == "pageTitle":
            return ds.page_title(path)
        if name == "customEvent:content_group":
            return ds.catalog.content_group(path)
        raise ApiError(400, f"Field {name} is not a valid dimension.")
