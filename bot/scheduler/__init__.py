"""Scheduled work (digests, alert checks): jobs, the leadership lease, and the one module that imports APScheduler."""
