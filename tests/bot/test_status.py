"""bot.app.status and bot.app.stats: the status block, the screen, the pipe lines, counters."""

from __future__ import annotations

import io
import threading

from structlog.testing import capture_logs

from bot.api.limiter import LocalLimiter
from bot.api.ratelimits import Outcome
from bot.api.routes import Route
from bot.app import ShardStatus
from bot.app.stats import (
    RATE_WINDOW,
    EventTally,
    RateMeter,
    RestCounter,
    RestCounts,
    Snapshot,
    StatsCollector,
)
from bot.app.status import StatusLog, StatusScreen, open_status, render, status_fields

WAIT = 10.0


def snapshot(**changes: object) -> Snapshot:
    values: dict[str, object] = {
        "elapsed": 3.25,
        "shards": [
            ShardStatus(0, "connected", 0.0123, 5, 1009, None),
            ShardStatus(1, "resuming", None, 5, 1006, None),
        ],
        "guilds": 10,
        "events": 2016,
        "events_per_second": 499.5,
        "resumes": 2,
        "handled": 2000,
        "failed": 1,
        "in_flight": 3,
        "rest": RestCounts(queued=1, in_flight=2, sent=8, errors=0, rate_limited=0),
        "restarts": 0,
    }
    values.update(changes)
    return Snapshot(**values)  # type: ignore[arg-type]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_render_shows_shards_guilds_rates_workers_and_rest() -> None:
    lines = render(snapshot(), ("script", {"step": "3/21", "replies": "0/8"}))
    text = "\n".join(lines)
    assert "guilds ready 10" in lines[0] and "events 2016 (500/s)" in lines[0]
    assert "shard 0" in lines[1] and "connected" in lines[1] and "12 ms" in lines[1]
    assert "shard 1" in lines[2] and "resuming" in lines[2] and "latency       -" in lines[2]
    assert "in flight 3" in text and "handled 2000" in text and "queued 1" in text
    assert lines[-1].split() == ["script", "step", "3/21", "replies", "0/8"]
    assert "\x1b" not in text  # color only when asked
    assert "\x1b[32m" in "\n".join(render(snapshot(), color=True))


def test_the_screen_redraws_its_block_and_writes_log_lines_above_it() -> None:
    terminal = FakeTerminal()
    screen = StatusScreen(lambda: snapshot(), terminal)
    screen.refresh()
    block = len(render(snapshot()))
    screen.write('{"event": "hello"}')  # print() writes the newline separately
    screen.write("\n")
    out = terminal.getvalue()
    first_draw, after = out.split(f"\x1b[{block}F\x1b[J", 1)
    assert first_draw.count("\n") == block
    assert after.startswith('{"event": "hello"}\n') and after.count("\n") == block + 1
    screen.stop()
    terminal.truncate(0)
    terminal.seek(0)
    screen.write("after the end\n")
    assert terminal.getvalue() == "after the end\n"  # the block stays, nothing redrawn under it


def test_open_status_picks_the_screen_on_a_terminal_and_log_lines_in_a_pipe() -> None:
    assert isinstance(open_status(snapshot, FakeTerminal()), StatusScreen)
    pipe = io.StringIO()
    status = open_status(snapshot, pipe, lambda: ("script", {"step": "1/2"}))
    assert isinstance(status, StatusLog) and status.stream is pipe
    with capture_logs() as logs:
        status.emit()
    (line,) = logs
    assert line["event"] == "status" and line["script"] == {"step": "1/2"}
    assert line["shards"]["0"] == {"state": "connected", "latency_ms": 12.3, "guilds": 5}
    assert {k: line[k] for k in ("guilds", "events", "in_flight")} == {
        "guilds": 10,
        "events": 2016,
        "in_flight": 3,
    }
    assert status_fields(snapshot())["rest_sent"] == 8


def test_rest_counter_counts_waiting_in_flight_sent_and_errors() -> None:
    counter = RestCounter().wrap(LocalLimiter())
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=1)
    grant = counter.acquire(route)
    assert counter.counts() == RestCounts(0, 1, 0, 0, 0)
    counter.release(grant, Outcome(200))
    counter.release(counter.acquire(route), Outcome(429))
    counter.release(counter.acquire(route), Outcome(None))  # no answer: counted as an error
    assert counter.counts() == RestCounts(0, 0, 3, 2, 1)


def test_event_tally_counts_by_name_from_many_threads() -> None:
    tally = EventTally()

    def count() -> None:
        for _ in range(1000):
            tally.count("MESSAGE_CREATE")

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    tally.count("RESUMED")
    assert tally.total == 4001 and tally.get("MESSAGE_CREATE") == 4000
    assert tally.by_name() == {"MESSAGE_CREATE": 4000, "RESUMED": 1}


class _IdleBot:
    """What StatsCollector reads of a bot, with nothing running."""

    shards: list[ShardStatus] = []
    supervisor = None

    class names:
        @staticmethod
        def whereis(_name: object) -> None:
            return None


def test_the_events_rate_shows_a_burst_for_the_moments_after_it() -> None:
    now = [100.0]
    tally = EventTally()
    stats = StatsCollector(_IdleBot(), tally, RestCounter(), clock=lambda: now[0])
    assert stats.snapshot().events_per_second == 0
    for _ in range(1000):  # a burst just after a frame
        tally.count("MESSAGE_CREATE")
    rates = []
    for _ in range(8):  # frames four times a second
        now[0] += 0.25
        rates.append(stats.snapshot().events_per_second)
    assert rates[0] == 4000  # 1,000 in the first quarter second
    assert all(rate > 0 for rate in rates[:7]), rates  # shown for the window's 2 s
    now[0] += RATE_WINDOW
    assert stats.snapshot().events_per_second == 0  # and gone once it is past


def test_rate_meter_over_a_steady_stream() -> None:
    meter = RateMeter(window=1.0)
    rates = [meter.update(step * 0.1, step * 50) for step in range(40)]  # 500 events/s
    assert rates[0] == 0 and all(abs(rate - 500) < 1e-6 for rate in rates[1:])
