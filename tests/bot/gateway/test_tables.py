"""Close codes, intents, opcodes and the send limiter."""

from __future__ import annotations

import pytest

from bot.gateway import (
    CloseAction,
    Intents,
    Opcode,
    SendLimiter,
    UnknownIntentError,
    classify,
    parse_intents,
)
from bot.gateway.close_codes import CLOSE_CODES, fatal_error


def test_every_documented_close_code_is_classified() -> None:
    documented = {
        4000,
        4001,
        4002,
        4003,
        4004,
        4005,
        4007,
        4008,
        4009,
        4010,
        4011,
        4012,
        4013,
        4014,
    }
    assert documented <= set(CLOSE_CODES)
    fatal = {code for code, info in CLOSE_CODES.items() if info.action is CloseAction.STOP}
    assert fatal == {4004, 4010, 4011, 4012, 4013, 4014}
    new = {code for code, info in CLOSE_CODES.items() if info.action is CloseAction.NEW_SESSION}
    assert new == {4007, 4009}
    for code in documented - fatal - new:
        assert classify(code).action is CloseAction.RESUME
    assert classify(None).action is CloseAction.RESUME  # TCP dropped
    assert classify(4006).action is CloseAction.RESUME  # not in the table
    assert classify(1000).action is CloseAction.RESUME


def test_fatal_error_is_clear() -> None:
    error = fatal_error(4014)
    assert error.code == 4014 and not error.can_reconnect
    assert "4014" in str(error) and "privileged" in str(error)


def test_intents() -> None:
    assert int(Intents.all()) == 0x331FFFF == 53_608_447
    assert Intents.privileged() == (
        Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT
    )
    assert not Intents.nonprivileged().has_privileged
    assert Intents.nonprivileged() | Intents.privileged() == Intents.all()
    value = parse_intents(["guilds", "GUILD_MESSAGES", "message-content"])
    assert int(value) == 1 | 1 << 9 | 1 << 15
    assert value.privileged_names == ["message_content"]
    assert value.names == ["guilds", "guild_messages", "message_content"]
    assert parse_intents("all") == Intents.all()
    assert parse_intents(["nonprivileged", "guild_members"]).privileged_names == ["guild_members"]
    assert Intents.from_names([]) == Intents(0)
    with pytest.raises(UnknownIntentError, match="gild_messages") as info:
        parse_intents(["guilds", "gild_messages"])
    assert isinstance(info.value, ValueError) and "guild_messages" in str(info.value)
    with pytest.raises(UnknownIntentError):
        parse_intents([3])  # type: ignore[list-item]


def test_opcodes() -> None:
    assert Opcode(10) is Opcode.HELLO and Opcode.RESUME == 6 and Opcode.REQUEST_CHANNEL_INFO == 43
    with pytest.raises(ValueError):
        Opcode(5)


def test_send_limiter_keeps_room_for_heartbeats() -> None:
    limiter = SendLimiter()  # 120 per 60 s, 5 kept for heartbeats
    now = 100.0
    for _ in range(115):
        assert limiter.try_acquire(now) == 0.0
    assert limiter.try_acquire(now) == pytest.approx(60.0)
    assert limiter.used(now) == 115
    for _ in range(5):
        assert limiter.try_acquire(now, is_heartbeat=True) == 0.0
    assert limiter.try_acquire(now, is_heartbeat=True) == pytest.approx(60.0)
    assert limiter.try_acquire(159.9) > 0
    assert limiter.try_acquire(160.0) == 0.0
    limiter.reset()
    assert limiter.used(160.0) == 0


def test_send_limiter_500_sends_never_exceed_120_in_any_60_s() -> None:
    limiter = SendLimiter()
    now = 0.0
    sent: list[float] = []
    while len(sent) < 500:
        wait = limiter.try_acquire(now, is_heartbeat=len(sent) % 50 == 0)
        if wait == 0.0:
            sent.append(now)
        else:
            now += wait
    for i, start in enumerate(sent):
        in_window = [t for t in sent[i:] if t < start + 60.0]
        assert len(in_window) <= 120
    assert sent[-1] >= 4 * 60.0  # 500 sends need at least four more windows


def test_send_limiter_validates() -> None:
    with pytest.raises(ValueError):
        SendLimiter(limit=5, heartbeat_reserve=5)
