"""Subscriptions, exactly-once post claims, alert incidents, alert feedback and the scheduler lease.

Claims and the lease are compare-and-set updates plus unique keys, so they hold on SQLite and PostgreSQL alike and
across any number of processes. Call each claim function in its own short transaction (`database.session()`), so
the claim is visible to other processes before anything is posted.

One module each: `subscriptions`, `claims`, `incidents` (alert incidents and their feedback), `lease`.
"""

from storage.repos.schedule.claims import (
    Claim,
    ClaimStatus,
    claim_post,
    get_claim,
    mark_posted,
    posted_subscription_ids,
    release_claim,
    renew_claim,
    still_holds_claim,
)
from storage.repos.schedule.incidents import (
    active_feedback,
    add_feedback,
    close_incident,
    create_incident,
    find_incident,
    get_incident,
    incidents_started_since,
    open_incidents,
    set_incident_message,
)
from storage.repos.schedule.lease import lease_holder, release_lease, try_acquire_lease
from storage.repos.schedule.subscriptions import (
    ScheduledSubscription,
    delete_channel_subscriptions,
    delete_subscription,
    find_subscription,
    get_scheduled_subscription,
    get_subscription,
    list_scheduled_subscriptions,
    list_subscriptions,
    subscriptions_version,
    upsert_subscription,
)

__all__ = [
    "Claim",
    "ClaimStatus",
    "ScheduledSubscription",
    "active_feedback",
    "add_feedback",
    "claim_post",
    "close_incident",
    "create_incident",
    "delete_channel_subscriptions",
    "delete_subscription",
    "find_incident",
    "find_subscription",
    "get_claim",
    "get_incident",
    "get_scheduled_subscription",
    "get_subscription",
    "incidents_started_since",
    "lease_holder",
    "list_scheduled_subscriptions",
    "list_subscriptions",
    "mark_posted",
    "open_incidents",
    "posted_subscription_ids",
    "release_claim",
    "release_lease",
    "renew_claim",
    "set_incident_message",
    "still_holds_claim",
    "subscriptions_version",
    "try_acquire_lease",
    "upsert_subscription",
]
