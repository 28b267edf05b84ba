"""Generic scheduled work: jobs, the runner, the leadership lease, posting claims (exactly once per period) and the
one module that imports APScheduler. Knows no feature; features hand it their jobs (`bot.main.jobs`)."""
