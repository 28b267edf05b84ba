"""What every feature runs on: the shared `Services`, background work, the incoming-message type, and Slack's Web
API (`slack/`). Below every feature; knows none of them."""
