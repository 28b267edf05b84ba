"""What Lookout says about the built-in sample property (Demo Store): in Slack, and in `lookout demo`."""

from __future__ import annotations

from collections.abc import Sequence

SAMPLE_NOTE = "Sample data (Demo Store), not your property"
SAMPLE_DIGEST = f"_{SAMPLE_NOTE}_ · `/lookout connect` to use your own GA4 and Search Console"

# ---------------------------------------------------------------- lookout demo (a terminal, not Slack)

_RULE = "━" * 78


def demo_intro() -> str:
    return (
        "Lookout demo: sample data for “Demo Store”, an online outdoor-gear shop (GA4 + Search Console, 16 months).\n"
        "No credentials, no network: this is what Lookout would post in a Slack channel this morning."
    )


def demo_digest_heading() -> str:
    return f"{_RULE}\nThe morning digest (a channel post)\n{_RULE}"


def demo_alert_heading() -> str:
    return f"{_RULE}\nAn anomaly alert (a channel post; the chart goes in its thread)\n{_RULE}"


def chart_written(*, path: str) -> str:
    return f"[chart: {path}]"


DEMO_NO_ALERT = "No anomaly alert right now: the alert check found nothing unusual in the last day."


def demo_next_steps() -> str:
    return (
        "Next:\n"
        '• Ask a question about the sample data: lookout demo --ask "Why did sessions drop yesterday?"\n'
        "• Set Lookout up for your own Slack and Google: see README.md (Set it up); every variable is in .env.example.\n"
        "• Already installed in Slack? /lookout connect demo lets your team try the same sample data in its channels."
    )


def demo_question_heading(*, question: str) -> str:
    return f"{_RULE}\nYour question: {question}\n{_RULE}"


def demo_needs_model_key(*, variables: Sequence[str]) -> str:
    names = ", ".join(variables[:-1]) + " or " + variables[-1] if len(variables) > 1 else variables[0]
    return (
        "To answer questions, Lookout needs an AI model. Set one of these variables "
        f"(in the environment or in .env): {names}.\n"
        'Then run again, e.g.: ANTHROPIC_API_KEY=... lookout demo --ask "Why did sessions drop yesterday?"'
    )
