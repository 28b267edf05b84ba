"""The GA4 dimensions the sample property answers, and the axes of the dataset cube each one reads."""

from __future__ import annotations

from dataclasses import dataclass

# GA4 axes of the dataset cube: 0 day, 1 source/medium, 2 device, 3 country, 4 page; 5 is the hour split.
DAY, SM, DEV, CTY, PAGE, HOUR = range(6)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DimensionDef:
    api_name: str
    ui_name: str
    category: str
    description: str
    axes: tuple[int, ...]
    deprecated: tuple[str, ...] = ()
    custom: bool = False
    item_scoped: bool = False


def _dimension_defs() -> list[DimensionDef]:
    return [
        DimensionDef("date", "Date", "Time", "The date of the event, formatted as YYYYMMDD.", (DAY,)),
        DimensionDef(
            "dateHour", "Date + hour (YYYYMMDDHH)", "Time", "The combined values of date and hour.", (DAY, HOUR)
        ),
        DimensionDef("hour", "Hour", "Time", "The two-digit hour of the day (00-23).", (HOUR,)),
        DimensionDef("dayOfWeek", "Day of week", "Time", "The integer day of the week; Sunday is 0.", (DAY,)),
        DimensionDef("dayOfWeekName", "Day of week name", "Time", "The day of the week in English.", (DAY,)),
        DimensionDef("yearMonth", "Year month", "Time", "The combined values of year and month (YYYYMM).", (DAY,)),
        DimensionDef("isoYearIsoWeek", "ISO week of ISO year", "Time", "The ISO year and week (YYYYWW).", (DAY,)),
        DimensionDef(
            "sessionDefaultChannelGroup",
            "Session default channel group",
            "Traffic source",
            "The session's default channel group, based on its source and medium.",
            (SM,),
        ),
        DimensionDef(
            "sessionSource", "Session source", "Traffic source", "The source that started the session.", (SM,)
        ),
        DimensionDef(
            "sessionMedium", "Session medium", "Traffic source", "The medium that started the session.", (SM,)
        ),
        DimensionDef(
            "sessionSourceMedium", "Session source / medium", "Traffic source", "Session source and medium.", (SM,)
        ),
        DimensionDef("deviceCategory", "Device category", "Platform / device", "Desktop, mobile or tablet.", (DEV,)),
        DimensionDef("country", "Country", "Geography", "The country of the user.", (CTY,)),
        DimensionDef("countryId", "Country ID", "Geography", "The ISO 3166-1 alpha-2 country code.", (CTY,)),
        DimensionDef(
            "landingPage", "Landing page", "Page / screen", "The page path of the session's first page.", (PAGE,)
        ),
        DimensionDef(
            "landingPagePlusQueryString",
            "Landing page + query string",
            "Page / screen",
            "The landing page path with its query string.",
            (PAGE,),
        ),
        DimensionDef("pagePath", "Page path", "Page / screen", "The path of the page viewed.", (PAGE,)),
        DimensionDef("pageTitle", "Page title", "Page / screen", "The title of the page viewed.", (PAGE,)),
        DimensionDef(
            "customEvent:content_group",
            "Content group",
            "Custom",
            "Event-scoped custom dimension: the section of the site a page belongs to.",
            (PAGE,),
            custom=True,
        ),
        DimensionDef("itemName", "Item name", "Ecommerce", "The name of the item.", (), item_scoped=True),
        DimensionDef("eventName", "Event name", "Event", "The name of the event.", ()),
    ]


DIMENSIONS: dict[str, DimensionDef] = {d.api_name: d for d in _dimension_defs()}
DATE_DIMENSIONS = {"date", "dateHour", "hour", "dayOfWeek", "dayOfWeekName", "yearMonth", "isoYearIsoWeek"}
