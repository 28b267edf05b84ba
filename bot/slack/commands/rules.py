"""`/lookout rule #channel METRIC drops|rises|below|above N[%] [daily|hourly] [where DIMENSION = VALUE]`: an alert
rule a person writes, beside the anomaly detector.

The words are parsed here (`tools.rules.spec`), the names checked against the channel's GA4 property or Search
Console site and the rule stored by `bot.subscriptions.rules`; `/lookout subscriptions` lists it with its id and
`/lookout unsubscribe ID` removes it.
"""

from __future__ import annotations

import logging

from bot.slack.commands.base import CommandRequest, Subcommand
from bot.slack.commands.subscriptions import CommandProblem, check_can_post, parse_channel, resolve_channel
from bot.subscriptions import rules
from bot.text import google as google_messages
from bot.text import rules as messages
from bot.text import subscriptions as subscription_messages
from tools.base import ToolUserError
from tools.google.errors import GoogleApiError
from tools.rules.spec import RuleProblem, parse_rule

log = logging.getLogger(__name__)


def problem_text(problem: RuleProblem) -> str:
    return messages.with_usage(messages.problem(problem.problem.value, value=problem.value, close=problem.close))


async def _run_rule(request: CommandRequest) -> None:
    try:
        ref = parse_channel(request.args[0]) if request.args else None
        if ref is None:
            raise CommandProblem(messages.with_usage(subscription_messages.NEED_CHANNEL))
        spec = parse_rule(request.args[1:])
        channel_id = await resolve_channel(request.client, ref)
        await check_can_post(request.client, channel_id)
        checked = await rules.check_rule(
            services=request.services, workspace_id=request.workspace_id, channel_id=channel_id, spec=spec
        )
    except CommandProblem as problem:
        await request.respond(str(problem))
        return
    except RuleProblem as problem:
        await request.respond(problem_text(problem))
        return
    except ToolUserError as problem:  # Google not connected, no property chosen: the fix, in our words
        await request.respond(google_messages.problem_text(problem.message_key, workspace_name=request.workspace.name))
        return
    except GoogleApiError as error:
        log.info("could not check a rule's names: %s", type(error).__name__)
        await request.respond(messages.GOOGLE_UNAVAILABLE)
        return
    stored = await rules.save_rule(
        services=request.services,
        workspace_id=request.workspace_id,
        channel_id=channel_id,
        checked=checked,
        user_id=request.user_id,
    )
    assert stored is not None  # a new rule is always stored
    await request.respond(
        messages.rule_created(
            channel_id=channel_id,
            rule_id=stored.id,
            description=rules.describe(checked.spec),
            meaning=rules.meaning(checked.spec),
            corrections=checked.resolved.corrections,
            sample=checked.sample,
        )
    )


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(name="rule", usage=messages.RULE_USAGE, summary=messages.RULE_SUMMARY, run=_run_rule),
]
