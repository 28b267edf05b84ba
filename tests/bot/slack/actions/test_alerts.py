"""The alert buttons through the real app: "Mute 7 days" and "Expected" are stored and shown on the alert,
"Ask Lookout why" hands the alert to the message handler in the alert's thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.fakes.slack_api import FakeSlack
from bot.platform.incoming import IncomingMessage
from bot.platform.services import Services
from bot.text.alerts import ACTION_ASK, ACTION_EXPECTED, ACTION_MUTE
from storage.repos.schedule import create_incident, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import AlertFeedback, AlertIncident, SubscriptionKind
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER

ALERT_TS = "1763600000.000100"
ALERT_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": ":red_circle: *Sessions dropped to almost zero*"}},
    {"type": "actions", "elements": []},
]


async def _alerted(services: Services) -> int:
    async with services.database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM)
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id=DEFAULT_CHANNEL,
            kind=SubscriptionKind.ALERTS,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            created_by=DEFAULT_USER,
            now=datetime.now(UTC),
        )
        assert subscription.id is not None
        incident = await create_incident(
            session=session,
            incident=AlertIncident(
                workspace_id=workspace.id,
                subscription_id=subscription.id,
                channel_id=DEFAULT_CHANNEL,
                fingerprint="ga4:sessions:hourly|near_zero|down",
                metric="ga4:sessions:hourly",
                direction="down",
                severity="critical",
                started_at=datetime(2026, 11, 19, 5, tzinfo=UTC),
                message_ts=ALERT_TS,
                summary="Sessions dropped to almost zero since Nov 19 00:00",
                similar_keys="ga4:keyEvents|down\nga4:sessions|down",
            ),
        )
        assert incident.id is not None
        return incident.id


async def test_mute_stores_seven_days_of_suppression_and_marks_the_alert(start_app: StartApp) -> None:
    app = await start_app()
    incident_id = await _alerted(app.services)

    ack = await app.sender.action(action_id=ACTION_MUTE, value=str(incident_id), message_ts=ALERT_TS)
    (update,) = await app.wait_for_calls("chat.update")

    async with app.services.database.session() as session:
        stored = (await session.execute(select(AlertFeedback))).scalars().all()
    assert ack.status == 200
    assert sorted((f.fingerprint, f.kind, f.user_id) for f in stored) == [
        ("ga4:keyEvents|down", "mute", DEFAULT_USER),
        ("ga4:sessions|down", "mute", DEFAULT_USER),
    ]
    assert all(
        timedelta(days=6, hours=23) < _aware(f.expires_at) - _aware(f.created_at) <= timedelta(days=7) for f in stored
    )
    assert (update.get("channel"), update.get("ts")) == (DEFAULT_CHANNEL, ALERT_TS)
    assert "muted similar alerts for 7 days" in str(update.get("blocks"))


async def test_expected_closes_the_incident(start_app: StartApp) -> None:
    app = await start_app()
    incident_id = await _alerted(app.services)

    await app.sender.action(action_id=ACTION_EXPECTED, value=str(incident_id), message_ts=ALERT_TS)
    await app.wait_for_calls("chat.update")

    async with app.services.database.session() as session:
        incident = await session.get(AlertIncident, incident_id)
        kinds = {f.kind for f in (await session.execute(select(AlertFeedback))).scalars().all()}
    assert incident is not None and incident.closed_at is not None
    assert kinds == {"expected"}


async def test_a_workspace_cannot_mute_another_workspaces_alert(start_app: StartApp, fake_slack: FakeSlack) -> None:
    app = await start_app(mode="multi")
    for team in (DEFAULT_TEAM, "T0GLOBEX"):
        fake_slack.add_oauth_code(f"code-{team}", team_id=team)
        status, _ = await install(app, code=f"code-{team}")
        assert status == 200
    incident_id = await _alerted(app.services)

    # Globex's user clicks a button carrying Acme's incident id (a forged or replayed payload).
    await app.sender.action(action_id=ACTION_MUTE, value=str(incident_id), message_ts=ALERT_TS, team_id="T0GLOBEX")
    await app.settle()
    async with app.services.database.session() as session:
        forged = (await session.execute(select(AlertFeedback))).scalars().all()
    # The same click from Acme is honoured, so the refusal above was about the workspace.
    await app.sender.action(action_id=ACTION_MUTE, value=str(incident_id), message_ts=ALERT_TS)
    await app.settle()
    async with app.services.database.session() as session:
        honoured = (await session.execute(select(AlertFeedback))).scalars().all()

    assert forged == []
    assert len(honoured) == 2


async def test_ask_lookout_why_hands_the_alert_to_the_agent_in_its_thread(start_app: StartApp) -> None:
    asked: list[IncomingMessage] = []

    async def handler(*, message: IncomingMessage, client: AsyncWebClient) -> None:
        asked.append(message)

    def configure(services: Services) -> None:
        return handler

    app = await start_app(configure=configure)
    incident_id = await _alerted(app.services)

    await app.sender.action(action_id=ACTION_ASK, value=str(incident_id), message_ts=ALERT_TS)
    await app.settle()

    (message,) = asked
    assert (message.channel_id, message.thread_ts, message.user_id) == (DEFAULT_CHANNEL, ALERT_TS, DEFAULT_USER)
    assert "Sessions dropped to almost zero" in message.text


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
