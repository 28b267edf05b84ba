"""What the front door says: replies before Google is connected, `/lookout` help and usage, App Home, errors."""

from __future__ import annotations

from bot.text.escape import escape, in_code, in_emphasis, inert

# ---------------------------------------------------------------- mentions and DMs before Google is connected


def connect_google_first(*, user_id: str) -> str:
    return (
        f"Hi <@{escape(user_id)}>! I answer questions about your GA4 and Search Console data, "
        "but this workspace hasn't connected Google yet. "
        "Run `/lookout connect` to link a Google account (it takes a minute), then ask me again."
    )


def question_too_long(*, limit: int) -> str:
    return (
        f"That message is too long for me to answer (over {limit:,} characters). "
        "Ask the question in a sentence or two, and I'll look it up."
    )


SUGGESTED_PROMPTS_TITLE = "Try asking"
# The manifest's prompts (any workspace, before Lookout knows what it is connected to).
SUGGESTED_PROMPTS: tuple[tuple[str, str], ...] = (
    ("Last week's traffic", "How did our traffic do last week compared with the week before?"),
    ("Top pages", "What were our top landing pages yesterday?"),
    ("Organic search", "Which search queries gained or lost the most clicks this month?"),
)
# In an assistant thread, prompts that fit what the workspace has connected (Slack shows at most four).
PROMPTS_GA4: tuple[tuple[str, str], ...] = (
    ("Last week's traffic", "How did our traffic do last week compared with the week before?"),
    ("Traffic by channel", "Which channels brought more or fewer sessions last week, and why?"),
    ("Top landing pages", "What were our top landing pages yesterday?"),
    ("Key events", "How did key events do this month compared with last month?"),
)
PROMPTS_SEARCH_CONSOLE: tuple[tuple[str, str], ...] = (
    ("Organic search", "Which search queries gained or lost the most clicks this month?"),
    ("Pages losing clicks", "Which pages lost the most Google clicks over the last 28 days?"),
    ("Close to page one", "Which queries are close to page one and worth improving?"),
)
PROMPTS_BOTH: tuple[tuple[str, str], ...] = (
    ("Last week's traffic", "How did our traffic do last week compared with the week before?"),
    ("Traffic by channel", "Which channels brought more or fewer sessions last week, and why?"),
    ("Organic search", "Which search queries gained or lost the most clicks this month?"),
    ("Close to page one", "Which queries are close to page one and worth improving?"),
)
PROMPTS_NOT_CONNECTED: tuple[tuple[str, str], ...] = (
    ("Get started", "What do you need to answer questions about our website traffic?"),
    ("What can you do?", "What kinds of questions can you answer about GA4 and Search Console?"),
)


def suggested_prompts(*, ga4: bool, search_console: bool) -> tuple[tuple[str, str], ...]:
    if ga4 and search_console:
        return PROMPTS_BOTH
    if ga4:
        return PROMPTS_GA4
    return PROMPTS_SEARCH_CONSOLE if search_console else PROMPTS_NOT_CONNECTED


# ---------------------------------------------------------------- /lookout


def help_text(*, lines: list[tuple[str, str]]) -> str:
    """`lines` are (usage, summary) pairs, already safe (they come from our own code)."""
    body = "\n".join(f"• `/lookout {usage}` — {summary}" for usage, summary in lines)
    return f"*Lookout commands*\n{body}\n\nYou can also @-mention me or send me a DM with a question."


HELP_SUMMARY = "show this list"


def unknown_subcommand(*, name: str) -> str:
    return f"I don't know `/lookout {inert(name)}`. Here is what I can do:"


def unexpected_error(*, reference: str) -> str:
    return f"Sorry, something went wrong on my side (ref {escape(reference)}). Please try again."


def unknown_command(*, command: str) -> str:
    return f"I don't answer `{in_code(inert(command))}` any more. `/lookout help` lists what I can do."


def interrupted_answer(*, reference: str) -> str:
    return f"Sorry, I was interrupted before I could answer this (ref {escape(reference)}). Please ask me again."


def database_unavailable(*, reference: str) -> str:
    return (
        f"Sorry, I can't answer right now: my database isn't available (ref {escape(reference)}). "
        "Please try again in a few minutes."
    )


WORKSPACE_NOT_INSTALLED = "Lookout isn't installed in this workspace any more. Ask an admin to add it again."

# ---------------------------------------------------------------- outdated buttons, forms and shortcuts

STALE_BUTTON = (
    "That button is from an older version of this message and doesn't do anything any more. "
    "`/lookout help` or my Home tab shows what you can do now."
)
STALE_FORM_TITLE = "Lookout"
STALE_FORM_CLOSE = "Close"
STALE_FORM = (
    "This form is from an older version of Lookout and can't be saved. Close it and start again from "
    "`/lookout help` or my Home tab."
)
STALE_SHORTCUT = "That shortcut isn't one of mine any more. `/lookout help` lists what I can do."

# ---------------------------------------------------------------- App Home

HOME_TITLE = "Lookout"
HOME_INTRO = (
    "I answer questions about your GA4 and Search Console data right here in Slack, "
    "post a morning digest and warn you about anomalies."
)
HOME_GOOGLE_HEADER = "Google connection"
HOME_NEXT_STEPS_HEADER = "Next steps"
HOME_NEXT_STEPS = (
    "1. `/lookout connect` — link the Google account that can read your GA4 property and Search Console site "
    "(or `/lookout connect demo` to try me on sample data first).\n"
    "2. `/lookout property 123456` and `/lookout site sc-domain:example.com` — choose what to read.\n"
    "3. @-mention me in a channel or DM me: _what happened to organic traffic last week?_\n"
    "4. `/lookout digest #channel 09:00` — a daily digest; `/lookout alerts #channel` — anomaly alerts."
)
HOME_HELP_FOOTER = "`/lookout help` lists every command."


def home_workspace_line(*, workspace_name: str) -> str:
    name = escape(workspace_name) if workspace_name else "this workspace"
    return f":large_green_circle: Installed in *{in_emphasis(name)}*."


# ---------------------------------------------------------------- terminal: a newcomer's first `make run`


def newcomer_checklist(*, problems: list[str], public_url: str) -> str:
    """What `lookout serve` prints instead of starting when Slack is not configured yet."""
    missing = "\n".join(f"  {problem}" for problem in problems)
    return (
        "Lookout is not configured yet, so it did not start.\n\n"
        f"What is missing:\n{missing}\n\n"
        "To get going:\n"
        "  1. Create the Slack app from manifest.yml: https://api.slack.com/apps → Create New App → From a manifest.\n"
        "     Replace https://lookout.example.com in it with your PUBLIC_URL first.\n"
        "  2. One workspace: install the app, then set SLACK_BOT_TOKEN (xoxb-…) and SLACK_SIGNING_SECRET.\n"
        "     Many workspaces: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET, then open\n"
        f"     {public_url}/slack/install to add it to a workspace.\n"
        f"  3. Request URL (Event Subscriptions, Interactivity, Slash Commands): {public_url}/slack/events\n"
        "     (or run with --socket-mode and SLACK_APP_TOKEN to skip the public URL).\n"
        "  4. Put the variables in .env (copy .env.example: it lists every variable; README.md explains them), then\n"
        "     `make run` again.\n"
        "     `lookout doctor` checks the configuration without starting.\n"
    )
