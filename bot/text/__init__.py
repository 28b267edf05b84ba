"""Every sentence a Slack user can read, by area; code never builds user-facing text inline."""
