"""What `python -m bot cluster status` shows: nodes, shard owners and lease ages, streams' lag
and dead letters, read from Redis (no node needs to answer: a dead node shows as dead)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from bot.cluster.errors import translated
from bot.cluster.keys import Keys

__all__ = ["cluster_status", "format_status"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def cluster_status(
    client: redis.Redis, keys: Keys, *, now: Callable[[], float] = time.time
) -> dict[str, Any]:
    """The cluster as data: {"nodes": [...], "shards": [...], "streams": [...]}."""
    redis_client: Any = client
    with translated("cluster_status"):
        names = sorted(_text(n) for n in redis_client.smembers(keys.nodes()))
        nodes = []
        for name in names:
            info = {_text(k): _text(v) for k, v in redis_client.hgetall(keys.node(name)).items()}
            nodes.append(
                {
                    "node": name,
                    "alive": bool(info),
                    "pid": info.get("pid"),
                    "shards": info.get("shards", ""),
                }
            )
        count_value = redis_client.get(keys.shard_count())
        shard_ids = sorted(
            int(_text(key).rsplit(":", 1)[1])
            for key in redis_client.scan_iter(match=f"{keys.prefix}:checkpoint:*", count=1000)
        )
        if count_value is not None:
            shard_ids = sorted(set(shard_ids) | set(range(int(count_value))))
        shards = []
        for shard in shard_ids:
            lease = redis_client.get(keys.lease(shard))
            left = redis_client.pttl(keys.lease(shard))
            checkpoint = {
                _text(k): _text(v) for k, v in redis_client.hgetall(keys.checkpoint(shard)).items()
            }
            owner, _, epoch = _text(lease).rpartition(" ") if lease is not None else ("", "", "")
            taken_at = checkpoint.get("taken_at")
            age = round(now() - float(taken_at), 1) if taken_at and lease is not None else None
            shards.append(
                {
                    "shard": shard,
                    "owner": owner or None,
                    "epoch": int(epoch) if epoch else None,
                    "lease_age_s": age,
                    "lease_left_s": round(left / 1000, 1) if lease is not None else None,
                    "seq": int(checkpoint["seq"]) if "seq" in checkpoint else None,
                    "session": (checkpoint.get("session_id") or "")[:8] or None,
                }
            )
        streams = []
        for key in sorted(
            _text(k) for k in redis_client.scan_iter(match=f"{keys.prefix}:stream:*")
        ):
            group_name = key.split(":stream:", 1)[1]
            groups = []
            for group in redis_client.xinfo_groups(key):
                lag = group.get("lag")
                groups.append(
                    {
                        "group": _text(group["name"]),
                        "consumers": int(group["consumers"]),
                        "pending": int(group["pending"]),
                        "lag": None if lag is None else int(lag),
                    }
                )
            streams.append(
                {
                    "stream": group_name,
                    "length": int(redis_client.xlen(key)),
                    "dead_letters": int(redis_client.xlen(keys.dead_letters(group_name))),
                    "groups": groups,
                }
            )
    return {"nodes": nodes, "shards": shards, "streams": streams}


def format_status(status: dict[str, Any]) -> str:
    """The status as the text `cluster status` prints."""
    lines = ["nodes:"]
    for node in status["nodes"]:
        state = "alive" if node["alive"] else "dead"
        lines.append(f"  {node['node']:<24} {state:<6} pid={node['pid']} shards=[{node['shards']}]")
    lines.append("shards:")
    for shard in status["shards"]:
        lines.append(
            f"  {shard['shard']:>4}  owner={shard['owner'] or '-':<20} epoch={shard['epoch']} "
            f"age={shard['lease_age_s']}s left={shard['lease_left_s']}s seq={shard['seq']}"
        )
    lines.append("streams:")
    for stream in status["streams"]:
        lines.append(
            f"  {stream['stream']}  length={stream['length']} dead_letters={stream['dead_letters']}"
        )
        for group in stream["groups"]:
            lines.append(
                f"    {group['group']:<48} consumers={group['consumers']} "
                f"pending={group['pending']} lag={group['lag']}"
            )
    return "\n".join(lines)
