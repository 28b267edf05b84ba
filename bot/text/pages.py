"""Response headers for the few HTML pages a browser sees: the Slack install/redirect and Google callback pages.

They answer OAuth callbacks, so they must not be cached (the URL carries a code and a state), sniffed into another
type, framed or allowed to load anything: the pages are static text with inline styles and, at most, a link.
"""

from __future__ import annotations

from collections.abc import Mapping

PAGE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
