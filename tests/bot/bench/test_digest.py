"""`lookout bench digest` on a handful of digests: every digest posted once, and the two lines acceptance checks read
(lateness after the due time, acks measured while the run happens)."""

from __future__ import annotations

import re

import pytest

from bot.bench import digest
from bot.config.settings import Settings


def test_a_small_run_posts_every_digest_and_reports_lateness_and_acks_during_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--subscriptions", "4", "--channels-per-property", "1", "--spread", "2", "--latency", "0.01"]

    assert digest.main([*argv, "--ack-rate", "25"], settings=Settings(_env_file=None)) == 0

    out = capsys.readouterr().out
    assert "digests posted                                    4" in out
    assert "Slack messages / chart uploads                    4 / 4" in out
    in_flight = re.search(r"^digests in flight at most \(cap\) +(\d+) \((\d+)\)$", out, re.M)
    assert in_flight is not None
    assert (
        1 <= int(in_flight.group(1)) <= int(in_flight.group(2)) == Settings(_env_file=None).lookout_digest_concurrency
    )
    lateness = re.search(
        r"^digests \(one property each\): 4 posted, lateness after due time p50 (\S+) s, p99 (\S+) s$", out, re.M
    )
    assert lateness is not None
    assert 0 <= float(lateness.group(1)) <= float(lateness.group(2))
    acks = re.search(r"^front door: mentions at 25/s during the run +(\d+) acked / (\d+)$", out, re.M)
    assert acks is not None
    assert int(acks.group(1)) == int(acks.group(2)) >= 10  # 25/s over at least the 2 s of due times
    ack_p99 = re.search(r"^ack p99 during the digest run: (\S+) ms$", out, re.M)
    assert ack_p99 is not None
    assert float(ack_p99.group(1)) > 0
