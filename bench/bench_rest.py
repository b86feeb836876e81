"""REST benchmark: requests per second through the rate limiter, and the limiter's own cost.

Runs against the simulator's REST side (`FakeRest`, in this process) with limits that never
bind, so what is measured is the client and the limiter, not Discord's windows:

1. requests/s of `GET /channels/{id}` with 1 and 16 threads: bare httpx, the Client with its
   `LocalLimiter`, and the Client with the `RatelimiterActor` (the bot's tree setting);
2. the limiter alone: one acquire + release, no HTTP, in microseconds.

    .venv/bin/python bench/bench_rest.py
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import httpx
import structlog

from actors.ratelimiter import ActorLimiter, RatelimiterActor
from bot.api import Client, LocalLimiter, RateLimitConfig, Route
from bot.api.buckets import RateLimitInfo
from bot.api.ratelimits import Outcome, RateLimits
from bot.testing.rest import FakeRest
from bot.testing.rest_limits import BucketSpec, Limits

SECONDS = 3.0
UNBOUND = RateLimitConfig(global_limit=10_000_000, max_ratelimit_wait=60.0)


def rate(call: Callable[[], object], threads: int, seconds: float = SECONDS) -> float:
    """Calls per second of `call` from `threads` threads for `seconds`."""
    stop = threading.Event()
    counts = [0] * threads

    def worker(index: int) -> None:
        while not stop.is_set():
            call()
            counts[index] += 1

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):  # warm the connection pool
            call()
        started = time.perf_counter()
        futures = [pool.submit(worker, i) for i in range(threads)]
        time.sleep(seconds)
        stop.set()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed


def limiter_overhead(acquire_release: Callable[[], None], count: int = 20_000) -> float:
    """Microseconds per acquire + release, one thread."""
    for _ in range(1000):
        acquire_release()
    started = time.perf_counter()
    for _ in range(count):
        acquire_release()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    limits = Limits(default=BucketSpec(10_000_000, 1.0), global_limit=10_000_000)
    with FakeRest(limits=limits) as rest:
        guild = rest.state.add_guild()
        channel = int(rest.state.add_channel(guild["id"])["id"])
        path = f"/channels/{channel}"
        bare = httpx.Client(
            base_url=rest.base_url,
            headers={"Authorization": f"Bot {rest.token}"},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
        )
        local = Client(rest.token, base_url=rest.base_url, ratelimit_config=UNBOUND)
        state = RateLimits(UNBOUND)
        ref = RatelimiterActor.start(state)
        actor_limiter = ActorLimiter(lambda: ref, max_ratelimit_wait=60.0)
        actor = Client(rest.token, base_url=rest.base_url, ratelimiter=actor_limiter)
        calls = {
            "bare httpx": lambda: bare.get(path).raise_for_status(),
            "Client + LocalLimiter": lambda: local.get_channel(channel),
            "Client + RatelimiterActor": lambda: actor.get_channel(channel),
        }
        print(f"requests/s against FakeRest (in-process), no limit binding, {SECONDS:.0f} s each")
        for threads in (1, 16):
            for name, call in calls.items():
                print(f"  {threads:>2} threads  {name:<27} {rate(call, threads):8.0f} req/s")
        rest.limits.clear_record()

        route = Route("GET", "/channels/{channel_id}", channel_id=channel)
        info = RateLimitInfo(limit=10_000_000, remaining=9_999_999, reset_after=1.0, bucket="b")
        outcome = Outcome(200, info)
        local_limiter = LocalLimiter(UNBOUND)

        def local_cycle() -> None:
            local_limiter.release(local_limiter.acquire(route), outcome)

        def actor_cycle() -> None:
            actor_limiter.release(actor_limiter.acquire(route), outcome)

        print("limiter alone (acquire + release, no HTTP, 1 thread)")
        print(f"  LocalLimiter      {limiter_overhead(local_cycle):7.1f} us per request")
        print(f"  RatelimiterActor  {limiter_overhead(actor_cycle, 5_000):7.1f} us per request")
        bare.close()
        local.close()
        actor.close()
        ref.stop()


if __name__ == "__main__":
    main()
