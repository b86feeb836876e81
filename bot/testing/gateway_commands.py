"""What an identified client asks the simulated gateway for, answered as dispatches.

`GatewayCommands` is mixed into `GatewayRules` (and so into `GatewayServer`): Update Presence
(op 3), Update Voice State (op 4: VOICE_STATE_UPDATE, then VOICE_SERVER_UPDATE when joining),
Request Guild Members (op 8: GUILD_MEMBERS_CHUNKs of at most 1000 members, `not_found`, the
nonce, RATE_LIMITED for a repeated all-members request), Request Soundboard Sounds (op 31) and
Request Channel Info (op 43). Each runs under the server's lock, called by `GatewayRules` once
the payload passed the connection-wide checks.
"""

from __future__ import annotations

from typing import Any

from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_connection import GatewayConnection
from bot.testing.gateway_opcodes import OP_MEMBERS
from bot.testing.gateway_world import MAX_QUERY_RESULTS, MEMBERS_PER_CHUNK

__all__ = ["MAX_NONCE_BYTES", "GatewayCommands"]

# https://discord.com/developers/docs/events/gateway-events#request-guild-members
MAX_NONCE_BYTES = 32
# https://discord.com/developers/docs/events/gateway#list-of-intents
GUILD_MEMBERS = 1 << 1


class GatewayCommands:
    """The handlers of client commands; `GatewayRules` provides the fields and the violations."""

    config: GatewayConfig
    rest: Any
    _all_members_at: dict[int, float]

    def _violate(self, conn: GatewayConnection, kind: str, code: int, detail: str) -> None:
        raise NotImplementedError

    def _record_violation(self, conn: GatewayConnection, kind: str, detail: str) -> None:
        raise NotImplementedError

    def _presence(self, conn: GatewayConnection, data: Any, now: float) -> None:
        assert conn.session is not None
        conn.session.presence = data

    def _voice(self, conn: GatewayConnection, data: Any, now: float) -> None:
        session = conn.session
        assert session is not None
        if not isinstance(data, dict) or "guild_id" not in data:
            return self._violate(conn, "invalid_payload", 4001, "voice state without guild_id")
        world = self.config.world
        state = {
            "guild_id": str(data["guild_id"]),
            "channel_id": None if data.get("channel_id") is None else str(data["channel_id"]),
            "user_id": str(world.bot_user_id),
            "session_id": session.session_id,
            "deaf": False,
            "mute": False,
            "self_deaf": bool(data.get("self_deaf")),
            "self_mute": bool(data.get("self_mute")),
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }
        session.log.append("VOICE_STATE_UPDATE", state)
        if state["channel_id"] is not None:
            server = {"token": "fake-voice-token", "guild_id": state["guild_id"]}
            session.log.append("VOICE_SERVER_UPDATE", {**server, "endpoint": "127.0.0.1:1"})
        conn.wake()
        return None

    def _request_members(self, conn: GatewayConnection, data: Any, now: float) -> None:
        session = conn.session
        assert session is not None
        if not isinstance(data, dict) or "guild_id" not in data:
            return self._violate(conn, "invalid_payload", 4001, "request without guild_id")
        query, user_ids = data.get("query"), data.get("user_ids")
        if query is None and user_ids is None:
            return self._violate(conn, "invalid_payload", 4001, "neither query nor user_ids")
        try:
            guild_id = int(data["guild_id"])
            ids = None if user_ids is None else [int(u) for u in _as_list(user_ids)]
        except (TypeError, ValueError):
            return self._violate(conn, "invalid_payload", 4001, "bad snowflake")
        nonce = data.get("nonce")
        if not isinstance(nonce, str) or len(nonce.encode()) > MAX_NONCE_BYTES:
            nonce = None  # Discord ignores an invalid nonce
        limit = data.get("limit") or 0
        if query == "" and limit == 0:
            if not session.intents & GUILD_MEMBERS:
                # https://discord.com/developers/docs/events/gateway-events#request-guild-members :
                # the whole member list needs GUILD_MEMBERS; nothing comes back without it.
                detail = f"guild {guild_id}: all members without GUILD_MEMBERS"
                self._record_violation(conn, "members_intent_required", detail)
                return None
            last = self._all_members_at.get(guild_id)
            window = self.config.request_all_members_window
            if last is not None and now - last < window:
                self._record_violation(conn, "request_members_rate_limited", f"guild {guild_id}")
                meta: dict[str, Any] = {"guild_id": str(guild_id)}
                if nonce is not None:
                    meta["nonce"] = nonce
                retry = round(window - (now - last), 3)
                limited = {"opcode": OP_MEMBERS, "retry_after": retry, "meta": meta}
                session.log.append("RATE_LIMITED", limited)
                conn.wake()
                return None
            self._all_members_at[guild_id] = now
        if not self.config.answer_member_requests:
            return None
        try:
            members, not_found = self.config.world.members_matching(guild_id, query, ids, limit)
        except KeyError:  # a guild made at run time (a scenario): its members are REST's
            members, not_found = self._state_members(guild_id, query, ids, limit)
        count = max(1, -(-len(members) // MEMBERS_PER_CHUNK))
        for index in range(count):
            chunk: dict[str, Any] = {
                "guild_id": str(guild_id),
                "members": members[index * MEMBERS_PER_CHUNK : (index + 1) * MEMBERS_PER_CHUNK],
                "chunk_index": index,
                "chunk_count": count,
            }
            if ids is not None and index == 0:
                chunk["not_found"] = [str(u) for u in not_found]
            if data.get("presences"):
                chunk["presences"] = []
            if nonce is not None:
                chunk["nonce"] = nonce
            session.log.append("GUILD_MEMBERS_CHUNK", chunk)
        conn.wake()
        return None

    def _state_members(
        self, guild_id: int, query: str | None, ids: list[int] | None, limit: int
    ) -> tuple[list[dict[str, Any]], list[int]]:
        state = getattr(self.rest, "state", None)
        if state is None:
            return [], list(ids or [])
        with state.lock:
            members = [dict(m) for m in state.members.get(str(guild_id), {}).values()]
        if ids is not None:
            found = [m for m in members if int(m["user"]["id"]) in ids][:MAX_QUERY_RESULTS]
            found_ids = {int(m["user"]["id"]) for m in found}
            return found, [uid for uid in ids if uid not in found_ids]
        prefix = query or ""
        cap = len(members) if (prefix == "" and limit == 0) else min(limit, MAX_QUERY_RESULTS)
        return [m for m in members if m["user"]["username"].startswith(prefix)][:cap], []

    def _soundboard(self, conn: GatewayConnection, data: Any, now: float) -> None:
        assert conn.session is not None
        guild_ids = data.get("guild_ids") if isinstance(data, dict) else None
        for guild_id in _as_list(guild_ids or []):
            reply = {"guild_id": str(guild_id), "soundboard_sounds": []}
            conn.session.log.append("SOUNDBOARD_SOUNDS", reply)
        conn.wake()

    def _channel_info(self, conn: GatewayConnection, data: Any, now: float) -> None:
        assert conn.session is not None
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        conn.session.log.append("CHANNEL_INFO", {"guild_id": str(guild_id), "channels": []})
        conn.wake()


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
