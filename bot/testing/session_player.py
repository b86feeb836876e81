"""Plays a scripted session (`bot.testing.session_script`) on a running `FakeDiscord`.

    player = SessionPlayer(discord, bot)             # bot: optional, for RequestMembers
    result = player.play(session_script(), timeout=60)
    assert result.ok, result.reason

Every wait is on the simulator's conditions (gateway record, REST record), never a sleep, and
all of them share one deadline: `timeout` for the whole script. `cancel()` (from another thread,
say a Ctrl-C handler) ends the play at its next wait. Commands are also stored in the REST
side's state, as Discord would have them, so the bot can reply to them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import structlog

from bot.testing.fake_discord import FakeDiscord
from bot.testing.gateway_opcodes import OP_RESUME
from bot.testing.session_script import (
    AwaitReplies,
    AwaitSessions,
    Command,
    Drop,
    MemberJoin,
    Messages,
    Pause,
    Reconnect,
    RequestMembers,
    Step,
)
from bot.testing.world_state import store_message

__all__ = ["PlayResult", "Progress", "SentCommand", "SessionPlayer"]

log = structlog.get_logger(__name__)

BATCHES_PER_SECOND = 20
"""How often a paced `Messages` step sends its next batch."""


class SentCommand(NamedTuple):
    """A command the player sent, and what its reply must start with."""

    message_id: str
    channel_id: str
    content: str
    reply: str


class Progress(NamedTuple):
    """How far the play is, for a status line."""

    step: int
    steps: int
    commands: int
    replies: int


@dataclass
class PlayResult:
    """What a play did; `ok` when every step ran and every command got its reply."""

    steps: int = 0
    steps_done: int = 0
    commands: list[SentCommand] = field(default_factory=list)
    replied: set[str] = field(default_factory=set)  # message ids of the answered commands
    resumes: int = 0
    messages: int = 0
    members_found: int = 0
    duration: float = 0.0
    reason: str | None = None  # why it is not ok

    @property
    def replies(self) -> int:
        return len(self.replied)

    @property
    def missing(self) -> list[SentCommand]:
        return [c for c in self.commands if c.message_id not in self.replied]

    @property
    def ok(self) -> bool:
        return self.reason is None and not self.missing


class Cancelled(Exception):
    """The play was cancelled."""


class SessionPlayer:
    """Plays a script on `discord`; `bot` (anything with `request_guild_members`) is optional."""

    def __init__(self, discord: FakeDiscord, bot: Any = None) -> None:
        self.discord = discord
        self.bot = bot
        self.world = discord.config.world
        self._cancelled = threading.Event()
        self._next_message = 0
        self._result = PlayResult()
        self._resumes_before = 0

    def cancel(self) -> None:
        """Ends the play at its next wait (safe from any thread, a signal handler included)."""
        self._cancelled.set()
        for condition in (self.discord.changed, self.discord.rest.changed):
            # A signal handler may run while this thread holds the lock: never block here.
            if condition.acquire(blocking=False):
                try:
                    condition.notify_all()
                finally:
                    condition.release()

    def progress(self) -> Progress:
        """Steps done and replies found so far (safe from another thread: a status screen)."""
        self._check_replies()
        result = self._result
        return Progress(result.steps_done, result.steps, len(result.commands), result.replies)

    def play(self, script: tuple[Step, ...], timeout: float = 60.0) -> PlayResult:
        """Runs every step in order within `timeout` seconds in all; returns what happened."""
        result = self._result = PlayResult(steps=len(script))
        started = time.monotonic()
        deadline = started + timeout
        self._resumes_before = len(self.discord.received(OP_RESUME))
        try:
            for step in script:
                self._run(step, deadline)
                result.steps_done += 1
                log.info("session.step_done", step=_describe(step), done=result.steps_done)
        except Cancelled:
            result.reason = "cancelled"
        except TimeoutError as exc:
            result.reason = f"timed out after {timeout:g} s at {_describe(step)}: {exc}"
        except LookupError as exc:
            result.reason = f"{_describe(step)} failed: {exc}"
        finally:
            self._check_replies()
            result.resumes = len(self.discord.received(OP_RESUME)) - self._resumes_before
            result.duration = time.monotonic() - started
        if result.reason is None and result.missing:
            result.reason = f"{len(result.missing)} of {len(result.commands)} commands unanswered"
        return result

    # -- the steps -------------------------------------------------------------------------

    def _run(self, step: Step, deadline: float) -> None:
        match step:
            case AwaitSessions():
                self._await_sessions(deadline)
            case MemberJoin(guild, member):
                guild_id = self.world.guild_id(guild)
                data = {**self.world.member(guild, member), "guild_id": str(guild_id)}
                self.discord.dispatch("GUILD_MEMBER_ADD", data, self._shard_of(guild_id))
            case RequestMembers(guild, query, limit):
                if self.bot is not None:
                    found = self.bot.request_guild_members(
                        self.world.guild_id(guild),
                        query=query,
                        limit=limit,
                        timeout=_left(deadline),
                    )
                    self._result.members_found += len(found.members)
            case Messages(count, over):
                self._flow(count, over, deadline)
            case Command(guild, content, reply):
                self._command(guild, content, reply)
            case Reconnect(shard):
                self._await_resume(lambda: self.discord.reconnect(shard), deadline)
            case Drop(shard):
                self._await_resume(lambda: self.discord.drop(shard), deadline)
            case AwaitReplies():
                self._wait(self.discord.rest.wait_until, self._check_replies, deadline, "replies")
            case Pause(seconds):
                if self._cancelled.wait(min(seconds, _left(deadline))):
                    raise Cancelled

    def _await_sessions(self, deadline: float) -> None:
        discord = self.discord
        self._wait(discord.wait_until, lambda: bool(discord.sessions), deadline, "a session")
        shards = self._shard_count()

        def all_sent() -> bool:
            live = [s for s in discord.sessions.values() if not s.invalidated]
            if len({s.shard_id for s in live}) < shards:
                return False
            # Package-internal: the connections' write positions (as `wait_for_sent` reads them).
            connections = discord._connections
            return all(
                any(c.session is s and c.sent_seq >= s.log.last_seq for c in connections)
                for s in live
            )

        self._wait(discord.wait_until, all_sent, deadline, "READY and GUILD_CREATEs sent")

    def _flow(self, count: int, over: float, deadline: float) -> None:
        """Sends `count` messages at once, or in batches spread over `over` seconds."""
        batches = max(1, min(count, round(over * BATCHES_PER_SECOND)))
        for index in range(batches):
            self._messages(count * (index + 1) // batches - count * index // batches)
            if index + 1 < batches and self._cancelled.wait(min(over / batches, _left(deadline))):
                raise Cancelled

    def _messages(self, count: int) -> None:
        shards = self._shard_count()
        with_guilds = [s for s in range(shards) if self.world.guild_ids(s, shards)]
        for index, shard in enumerate(with_guilds):
            share = count // len(with_guilds) + (index < count % len(with_guilds))
            if share:
                self.discord.stream_messages(share, shard, first=self._next_message)
                self._next_message += share
        self._result.messages += count

    def _command(self, guild: int, content: str, reply: str) -> None:
        guild_id = self.world.guild_id(guild)
        message = {**self.world.message_create(self._next_message, guild_id), "content": content}
        self._next_message += 1
        store_message(self.discord.rest.state, message)
        command = SentCommand(message["id"], message["channel_id"], content, reply)
        self._result.commands.append(command)
        self._result.messages += 1
        self.discord.dispatch("MESSAGE_CREATE", message, self._shard_of(guild_id))

    def _await_resume(self, action: Any, deadline: float) -> None:
        """Runs `action` (RECONNECT, a drop), then waits until the bot resumed on a new
        connection and was sent its RESUMED (a RESUMED is only ever sent to its connection)."""
        discord = self.discord
        known = {info.id for info in discord.connections}
        action()

        def resumed() -> bool:
            # Package-internal: the connections and their sessions' RESUMED sequences.
            for conn in discord._connections:
                info, session = conn.info, conn.session
                if info is None or session is None or info.id in known or not info.resumed:
                    continue
                mine = [seq for seq, cid in session.resumed_for.items() if cid == conn.id]
                if mine and conn.sent_seq >= max(mine):
                    return True
            return False

        self._wait(discord.wait_until, resumed, deadline, "RESUME")

    # -- helpers ---------------------------------------------------------------------------

    def _wait(self, wait_until: Any, predicate: Any, deadline: float, what: str) -> None:
        cancelled = self._cancelled
        if not wait_until(lambda: cancelled.is_set() or predicate(), _left(deadline)):
            raise TimeoutError(f"no {what}")
        if cancelled.is_set():
            raise Cancelled

    def _check_replies(self) -> bool:
        """Marks the commands answered so far; True when all are (runs under REST's lock)."""
        result = self._result
        state = self.discord.rest.state
        with state.lock:
            for command in result.missing:
                for message in state.messages.get(command.channel_id, {}).values():
                    reference = message.get("message_reference") or {}
                    if reference.get("message_id") == command.message_id and str(
                        message.get("content", "")
                    ).startswith(command.reply):
                        result.replied.add(command.message_id)
                        break
        return not result.missing

    def _shard_count(self) -> int:
        with self.discord.lock:
            sessions = list(self.discord.sessions.values())
        return sessions[-1].num_shards if sessions else 1

    def _shard_of(self, guild_id: int) -> int:
        # https://discord.com/developers/docs/events/gateway#sharding
        return (guild_id >> 22) % self._shard_count()


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


def _describe(step: Step) -> str:
    return repr(step)
