"""The sample Search Console (`tools/sample/search_console.py`, served by FakeGoogle) refuses what Google refuses,
with Google's error shape."""

from __future__ import annotations

from tools.fakes.google import FakeGoogle


async def test_the_fake_refuses_what_google_refuses_with_googles_error_shape(google: FakeGoogle) -> None:
    import aiohttp

    site = next(iter(google.sites))
    url = f"{google.url}/webmasters/v3/sites/{site.replace(':', '%3A').replace('/', '%2F')}/searchAnalytics/query"
    bodies = [
        {"startDate": "2026-11-01", "endDate": "2026-11-10", "dimensions": ["searchAppearance", "query"]},
        {"startDate": "2026-11-01", "endDate": "2026-11-10", "dimensions": ["query"], "type": "googleNews"},
    ]
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
        for body in bodies:
            async with http.post(url, json=body) as response:
                error = (await response.json())["error"]
                assert (response.status, error["code"], error["status"]) == (400, 400, "INVALID_ARGUMENT")
