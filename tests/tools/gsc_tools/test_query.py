"""What every Search Console tool shares (`tools/gsc_tools/query.py`): without a chosen site, a person is asked to
choose one."""

from __future__ import annotations

from tools.base import ToolRegistry
from tools.context import ToolContext


async def test_no_site_chosen_is_a_user_error(registry: ToolRegistry[ToolContext], make_context) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tools.base import ToolUserError
    from tools.errors import NO_SITE

    with pytest.raises(ToolUserError) as raised:
        await registry.run(
            "gsc_search_analytics", {"start_date": "7daysAgo", "end_date": "yesterday"}, make_context(site_url=None)
        )

    assert raised.value.message_key == NO_SITE
