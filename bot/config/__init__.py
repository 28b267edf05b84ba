"""The leaves every layer may read: the one `Settings` object and logging set-up."""
