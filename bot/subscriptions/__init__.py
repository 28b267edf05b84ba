"""A channel's digest and alerts: the one way to create, change and remove them (`manage`), for `/lookout` and App
Home."""
