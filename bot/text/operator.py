"""What `lookout` tells an operator in the terminal when it cannot do its job: one line, what is wrong, what to check.

These lines go to stderr (and the log); never a secret, never a traceback for a problem the operator can fix.
"""

from __future__ import annotations

from storage.reachability import DatabaseProblem

_WAIT_HINT = "set LOOKOUT_DATABASE_WAIT_SECONDS to wait for it at start"
_DATABASE_HINTS = {
    DatabaseProblem.REFUSED: f"is the database server running and listening on that host and port? ({_WAIT_HINT})",
    DatabaseProblem.UNREACHABLE: "check the host in DATABASE_URL and the network or firewall between Lookout and it",
    DatabaseProblem.CONNECTION_LOST: "the server closed the connection: check the database server's log",
    DatabaseProblem.UNKNOWN_HOST: "check the host name in DATABASE_URL",
    DatabaseProblem.TIMEOUT: "check the host and port in DATABASE_URL and any firewall in between",
    DatabaseProblem.AUTH: "check the user name and password in DATABASE_URL (and pg_hba.conf on the server)",
    DatabaseProblem.NO_DATABASE: "create the database (createdb NAME) or fix its name in DATABASE_URL",
    DatabaseProblem.STARTING: f"wait until it has started, or {_WAIT_HINT}",
    DatabaseProblem.TOO_MANY_CONNECTIONS: (
        "raise max_connections on the server or put PgBouncer in front (each replica uses up to 20)"
    ),
    DatabaseProblem.CANNOT_OPEN: "check that the directory in DATABASE_URL exists and Lookout's user can write to it",
    DatabaseProblem.READ_ONLY: (
        "make the database file and its directory writable by Lookout's user (SQLite), or point DATABASE_URL at "
        "a server that accepts writes (PostgreSQL)"
    ),
    DatabaseProblem.OTHER: "the log above has the details",
}


def database_unavailable(*, url: str, problem: DatabaseProblem) -> str:
    return f"lookout: cannot use the database at {url} ({problem.value}): {_DATABASE_HINTS[problem]}."


def database_hint(problem: DatabaseProblem) -> str:
    return _DATABASE_HINTS[problem]


def no_such_workspace(*, team_id: str) -> str:
    return (
        f"lookout: no workspace with team id {team_id} is installed here: install Lookout in that workspace first, "
        "or check the id (the T… in https://app.slack.com/client/T…/…)."
    )


def slack_token_refused(*, variable: str, error: str) -> str:
    if variable == "SLACK_APP_TOKEN":
        where = "create an app-level token (xapp-…) with connections:write under Basic Information → App-Level Tokens"
    else:
        where = (
            "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page (reinstall the app to "
            "the workspace if it was removed or its token revoked)"
        )
    return f"lookout: Slack refused {variable} ({error}): {where}, then start again."


def slack_unreachable(*, variable: str, api_url: str, reason: str) -> str:
    return (
        f"lookout: could not check {variable} with Slack at {api_url} ({reason}): check the network and "
        "SLACK_API_URL (and https://slack-status.com), then start again."
    )


# ---------------------------------------------------------------- `lookout doctor`: where each credential comes from

SLACK_BOT_TOKEN_SOURCE = (
    "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page into SLACK_BOT_TOKEN"
)
SLACK_APP_TOKEN_SOURCE = (
    "create an app-level token (xapp-…) with connections:write under Basic Information → App-Level Tokens and set "
    "SLACK_APP_TOKEN"
)
SLACK_CLIENT_ID_SOURCE = "copy the Client ID from Basic Information → App Credentials into SLACK_CLIENT_ID"
SLACK_CLIENT_SECRET_SOURCE = "copy the Client Secret from Basic Information → App Credentials into SLACK_CLIENT_SECRET"
SLACK_SIGNING_SECRET_UNCHECKED = (
    "set; only a request from Slack can prove it (401s on /slack/events in the log mean it is wrong: copy the Signing "
    "Secret from Basic Information → App Credentials)"
)
GOOGLE_CLIENT_SOURCE = (
    "copy the OAuth 2.0 web client's ID and secret from Google Cloud console → APIs & Services → Credentials into "
    "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET"
)
GOOGLE_CLIENT_UNAUTHORIZED = (
    "this client may not use refresh tokens: create a client of type 'Web application' and set GOOGLE_CLIENT_ID "
    "and GOOGLE_CLIENT_SECRET"
)
MODEL_KEY_SOURCES = {
    "anthropic": ("ANTHROPIC_API_KEY", "create a key at https://console.anthropic.com/settings/keys"),
    "gemini": ("GEMINI_API_KEY", "create a key at https://aistudio.google.com/apikey"),
    "xai": ("XAI_API_KEY", "create a key at https://console.x.ai"),
    "openai": ("OPENAI_API_KEY", "use a key of the server at OPENAI_BASE_URL (https://platform.openai.com/api-keys)"),
}


def credential_refused(*, variable: str, reason: str, source: str) -> str:
    return f"{variable} refused ({reason}): {source}"


def credential_unchecked(*, variable: str, reason: str) -> str:
    return f"{variable} could not be checked ({reason}); run `lookout doctor` again later"


def exported(*, team_id: str, path: str, rows: int) -> str:
    return f"lookout: wrote everything stored about workspace {team_id} ({rows} rows, tokens omitted) to {path}"


def purged(*, team_id: str, counts: dict[str, int], google_revoked: bool | None) -> str:
    """`google_revoked`: True revoked at Google, False Google did not confirm it, None nothing was connected."""
    removed = ", ".join(f"{count} {table}" for table, count in counts.items() if count) or "no rows besides it"
    google = {
        True: " The Google grant was revoked at Google.",
        False: " Google did not confirm revoking the grant: remove Lookout at myaccount.google.com/permissions.",
        None: "",
    }[google_revoked]
    return f"lookout: deleted workspace {team_id} and everything stored about it ({removed}).{google}"
