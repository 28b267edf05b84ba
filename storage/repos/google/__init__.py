"""Reading and writing a workspace's Google connection, its OAuth states and its property/site choices.

Every function is scoped by `workspace_id` (or, for a state, by the unguessable state itself), and the
two operations that must be single-winner across processes (consuming a state, taking the refresh lease)
are conditional UPDATEs whose row count says who won.

One module each: `states` (OAuth and consent-link states), `connection` (tokens, the refresh lease, the sample
property), `choices` (the property and site per channel, or workspace-wide).
"""

from storage.repos.google.choices import (
    DEFAULT_CHANNEL,
    ChannelSetup,
    delete_choice,
    get_channel_setup,
    get_choice,
    list_choices,
    set_property,
    set_site,
)
from storage.repos.google.connection import (
    acquire_refresh_lease,
    as_utc,
    delete_connection,
    get_connection,
    mark_needs_reconnect,
    record_success,
    release_refresh_lease,
    sample_data_since,
    save_connection,
    start_sample_data,
    stop_sample_data,
    store_refreshed_token,
)
from storage.repos.google.states import (
    consume_oauth_state,
    create_oauth_state,
    delete_stale_oauth_states,
    find_any_state,
    find_link_state,
    verify_link_state,
)

__all__ = [
    "DEFAULT_CHANNEL",
    "ChannelSetup",
    "acquire_refresh_lease",
    "as_utc",
    "consume_oauth_state",
    "create_oauth_state",
    "delete_choice",
    "delete_connection",
    "delete_stale_oauth_states",
    "find_any_state",
    "find_link_state",
    "get_channel_setup",
    "get_choice",
    "get_connection",
    "list_choices",
    "mark_needs_reconnect",
    "record_success",
    "release_refresh_lease",
    "sample_data_since",
    "save_connection",
    "set_property",
    "set_site",
    "start_sample_data",
    "stop_sample_data",
    "store_refreshed_token",
    "verify_link_state",
]
