"""A bare gateway client for the simulator's own tests: websocket-client plus the wire codecs."""

from __future__ import annotations

from typing import Any

import orjson
import websocket

from bot.gateway.codecs import codec_for
from bot.gateway.compression import make_inflater

# GUILDS, GUILD_MEMBERS (all-member requests), GUILD_MESSAGES, GUILD_PRESENCES (full member
# lists) and MESSAGE_CONTENT.
DEFAULT_INTENTS = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 8) | (1 << 15)


class RawClient:
    """One connection: `send(payload)`, `recv()` -> decoded payload, `close_code()`."""

    def __init__(
        self,
        url: str,
        encoding: str = "json",
        compress: str | None = None,
        *,
        plain: bool = False,
    ) -> None:
        query = f"?v=10&encoding={encoding}" + (f"&compress={compress}" if compress else "")
        self.ws = websocket.create_connection(url + "/" + query, timeout=10)
        self.codec = codec_for(encoding)
        # plain: JSON decoded as it is sent (snowflakes stay strings), as other libraries get it.
        self.plain = plain
        self.inflater = make_inflater(compress or "none")
        self.close_frame_code: int | None = None

    def send(self, payload: dict[str, Any]) -> None:
        data = self.codec.encode(payload, limit=None)
        if self.codec.text_frames:
            self.ws.send(data.decode())
        else:
            self.ws.send_binary(data)

    def send_bytes(self, data: bytes) -> None:
        self.ws.send_binary(data)

    def recv(self) -> dict[str, Any]:
        """The next payload; raises ConnectionError with the close code on a close frame."""
        while True:
            opcode, frame = self.ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self.close_frame_code = (
                    int.from_bytes(frame.data[:2], "big") if frame.data else None
                )
                raise ConnectionError(self.close_frame_code)
            if opcode not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                continue
            payload = self.inflater.feed(frame.data)
            if payload is not None:
                if self.plain:
                    plain: dict[str, Any] = orjson.loads(payload)
                    return plain
                result: dict[str, Any] = self.codec.decode(payload)
                return result

    def recv_until(self, predicate: Any, limit: int = 10_000) -> list[dict[str, Any]]:
        """Payloads up to and including the first one `predicate` accepts."""
        seen = []
        for _ in range(limit):
            payload = self.recv()
            seen.append(payload)
            if predicate(payload):
                return seen
        raise AssertionError("predicate never held")

    def close_code(self) -> int | None:
        """Reads until the server closes; returns its close code (None if TCP just ended)."""
        try:
            while True:
                self.recv()
        except ConnectionError as exc:
            return exc.args[0] if exc.args else None
        except (websocket.WebSocketConnectionClosedException, OSError):
            return self.close_frame_code

    def identify(
        self, token: str, intents: int = DEFAULT_INTENTS, shard: list[int] | None = None
    ) -> None:
        data: dict[str, Any] = {"token": token, "intents": intents, "properties": {"os": "linux"}}
        if shard is not None:
            data["shard"] = shard
        self.send({"op": 2, "d": data})

    def close(self) -> None:
        self.ws.abort()
        self.ws.shutdown()
