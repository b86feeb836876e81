"""Benchmarks of the supervision layer: `.venv/bin/python bench/bench_supervisors.py [--cpu N]`.

- start + stop of a pykka ThreadingActor and of a supervisors.Actor (median)
- start + one message + stop of a PooledActor (median), the ratio to the ThreadingActor, and the
  same with the turn run by a pool thread (nobody helping), and amortised over a burst
- crash-to-restarted latency under a Supervisor (median)
- tells per second through a bounded mailbox (and an unbounded one)
Logging is filtered to CRITICAL so that log formatting is not what is measured. `--cpu N` pins
the process to CPU N (one core: no cross-core wake-ups, which cost tens of us on this VM).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import pykka
import structlog

import supervisors
from supervisors import Actor, ChildSpec, Names, PooledActor, Supervisor

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))


class Plain(pykka.ThreadingActor):
    def on_receive(self, message: Any) -> Any:
        return message


class Supervised(Actor):
    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        return message


class Bounded(Actor):
    inbox_size = 100

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_receive(self, message: Any) -> Any:
        self.count += 1
        return self.count


class Unbounded(Bounded):
    inbox_size = None


class Short(PooledActor):
    def on_receive(self, message: Any) -> Any:
        return message


def median_us(operation: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


def threading_actor() -> None:
    Plain.start().stop()


def supervised_actor() -> None:
    Supervised.start().stop()


def pooled_helped() -> None:
    ref = Short.start()
    ref.tell(1)
    ref.stop()


def pooled_on_pool() -> None:
    ref = Short.start()
    ref.tell(1)
    ref.stop(block=False)
    ref.lifeline.wait()


def pooled_burst(count: int) -> float:
    started = time.perf_counter()
    refs = []
    for n in range(count):
        ref = Short.start()
        ref.tell(n)
        ref.stop(block=False)
        refs.append(ref)
    for ref in refs:
        ref.lifeline.wait()
    return (time.perf_counter() - started) / count * 1e6


def restart_latency(runs: int) -> float:
    names = Names()
    sup = Supervisor.start(
        children=[ChildSpec("w", Supervised.start)], intensity=runs * 2, period=1.0, names=names
    )
    timings = []
    try:
        for _ in range(runs):
            old = names.get("w")
            started = time.perf_counter()
            old.tell("crash")
            old.lifeline.wait()
            names.get("w")  # waits for the restarted child to be registered
            timings.append(time.perf_counter() - started)
    finally:
        supervisors.stop_tree(sup)
    return statistics.median(timings) * 1e6


def tells_per_second(actor_class: type[Bounded], count: int, senders: int = 2) -> float:
    ref = actor_class.start()
    per_sender = count // senders

    def send() -> None:
        tell = ref.tell
        for n in range(per_sender):
            tell(n)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = ref.ask("last")
    elapsed = time.perf_counter() - started
    ref.stop()
    assert total == per_sender * senders + 1
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, help="pin the process to this CPU (one core)")
    options = parser.parse_args()
    if options.cpu is not None:
        os.sched_setaffinity(0, {options.cpu})
    for _ in range(200):  # warm up
        pooled_helped()
        pooled_on_pool()
    threading_us = median_us(threading_actor, 500)
    supervised_us = median_us(supervised_actor, 500)
    helped_us = median_us(pooled_helped, 20_000)
    on_pool_us = median_us(pooled_on_pool, 5_000)
    burst_us = pooled_burst(20_000)
    print(f"ThreadingActor start+stop (median):             {threading_us:8.1f} us")
    print(f"supervisors.Actor start+stop (median):          {supervised_us:8.1f} us")
    print(
        f"PooledActor start+1 msg+stop (median):          {helped_us:8.1f} us"
        f"  ratio {threading_us / helped_us:5.1f}x"
    )
    print(
        f"PooledActor, turn on a pool thread (median):    {on_pool_us:8.1f} us"
        f"  ratio {threading_us / on_pool_us:5.1f}x"
    )
    print(
        f"PooledActor, burst of 20000, per actor:         {burst_us:8.1f} us"
        f"  ratio {threading_us / burst_us:5.1f}x"
    )
    print(f"crash-to-restarted latency (median):            {restart_latency(300):8.1f} us")
    print(
        f"tells/s, bounded mailbox (100), 2 senders:      "
        f"{tells_per_second(Bounded, 200_000):10,.0f}"
    )
    print(
        f"tells/s, unbounded mailbox, 2 senders:          "
        f"{tells_per_second(Unbounded, 200_000):10,.0f}"
    )


if __name__ == "__main__":
    main()
