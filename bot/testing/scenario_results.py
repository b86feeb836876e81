"""What a scenario step gives back: the bot's answer to an interaction, or its replies to a message.

Both read the simulator's REST state, where everything the bot sent lands, and wait on the REST
side's condition (notified after every request served), never with a sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.testing.fake_discord import FakeDiscord

__all__ = ["Exchange", "InteractionResult"]

Json = dict[str, Any]

# https://discord.com/developers/docs/resources/message#message-object-message-flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
DEFERRED_TYPES = frozenset({5, 6})
MODAL = 9
AUTOCOMPLETE_RESULT = 8


def _wait(fake: FakeDiscord, predicate: Callable[[], bool], timeout: float) -> bool:
    state = fake.rest.state

    def holds() -> bool:
        with state.lock:
            return predicate()

    return fake.rest.wait_until(holds, timeout)


class InteractionResult:
    """The bot's answer to one interaction a scenario sent.

    Reading `response_type`, `data`, `ephemeral`, `modal`, `choices` or `message` first waits
    (up to `timeout`) for the bot's callback; a bot that never answers raises TimeoutError, as
    Discord would show "The application did not respond". `message` is the response message as
    stored now (after any edit), `followups` the follow-up messages so far.
    """

    def __init__(self, fake: FakeDiscord, payload: Json, timeout: float) -> None:
        self.fake = fake
        self.interaction = payload  # the INTERACTION_CREATE data the bot got
        self.timeout = timeout
        self._token = payload["token"]

    def __repr__(self) -> str:
        with self.fake.rest.state.lock:
            kind = self._record()["response_type"]
        return f"<InteractionResult id={self.interaction['id']} response_type={kind}>"

    def _record(self) -> Json:
        record: Json = self.fake.rest.state.interactions[self._token]
        return record

    def wait(self, timeout: float | None = None) -> InteractionResult:
        """Waits for the callback; returns self. TimeoutError if the bot did not answer."""
        timeout = self.timeout if timeout is None else timeout
        if not _wait(self.fake, lambda: self._record()["response_type"] is not None, timeout):
            name = (self.interaction.get("data") or {}).get("name") or (
                self.interaction.get("data") or {}
            ).get("custom_id")
            raise TimeoutError(f"the bot did not answer interaction {name!r} in {timeout} s")
        return self

    @property
    def answered(self) -> bool:
        """Whether the callback came (no wait)."""
        with self.fake.rest.state.lock:
            return self._record()["response_type"] is not None

    @property
    def response_type(self) -> int:
        """The callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 8
        autocomplete result, 9 modal."""
        self.wait()
        with self.fake.rest.state.lock:
            return int(self._record()["response_type"])

    @property
    def data(self) -> Json | None:
        """The callback's `data`, as the bot sent it."""
        self.wait()
        with self.fake.rest.state.lock:
            data = self._record()["response"]
            return dict(data) if isinstance(data, dict) else None

    @property
    def deferred(self) -> bool:
        return self.response_type in DEFERRED_TYPES

    @property
    def ephemeral(self) -> bool:
        """Whether the response is only visible to the user (flag 64)."""
        message = self.message
        if message is not None:
            return bool(int(message.get("flags") or 0) & EPHEMERAL)
        return bool(int((self.data or {}).get("flags") or 0) & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether the response message is a deferred answer still "thinking" (flag 128, until
        the bot's first edit of @original)."""
        message = self.message
        return message is not None and bool(int(message.get("flags") or 0) & LOADING)

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (callback type 9), else None."""
        return self.data if self.response_type == MODAL else None

    @property
    def choices(self) -> list[Json]:
        """An autocomplete answer's choices (callback type 8)."""
        if self.response_type != AUTOCOMPLETE_RESULT:
            raise ValueError(f"callback type {self.response_type} is not an autocomplete result")
        return [dict(c) for c in (self.data or {}).get("choices") or []]

    @property
    def message(self) -> Json | None:
        """The original response message as stored now (None until there is one). A deferred
        answer (type 5) has one at once, as on Discord: empty, with the LOADING flag (128),
        until the bot's first edit of @original fills it in (`wait_message` waits for that)."""
        self.wait()
        with self.fake.rest.state.lock:
            return self._original()

    def _original(self) -> Json | None:
        record = self._record()
        if record["original"] is None:
            return None
        message = self.fake.rest.state.messages.get(record["channel_id"], {}).get(
            record["original"]
        )
        return dict(message) if message is not None else None

    def wait_message(
        self, predicate: Callable[[Json], bool] | None = None, timeout: float | None = None
    ) -> Json:
        """Waits until the response message exists and is not loading (a deferred answer's
        first edit arrived), and `predicate(message)` holds, say a later edit; returns it."""
        timeout = self.timeout if timeout is None else timeout
        self.wait(timeout)

        def ready() -> bool:
            message = self._original()
            if message is None or int(message.get("flags") or 0) & LOADING:
                return False
            return predicate is None or predicate(message)

        if not _wait(self.fake, ready, timeout):
            raise TimeoutError(f"no matching response message in {timeout} s")
        with self.fake.rest.state.lock:
            message = self._original()
        assert message is not None
        return message

    @property
    def followups(self) -> list[Json]:
        """The follow-up messages the bot sent so far, oldest first."""
        with self.fake.rest.state.lock:
            return self._followups()

    def _followups(self) -> list[Json]:
        record = self._record()
        stored = self.fake.rest.state.messages.get(record["channel_id"], {})
        return [dict(stored[i]) for i in record["followups"] if i in stored]

    def wait_followups(self, count: int = 1, timeout: float | None = None) -> list[Json]:
        """Waits until the bot sent `count` follow-ups; returns them all."""
        timeout = self.timeout if timeout is None else timeout
        if not _wait(self.fake, lambda: len(self._followups()) >= count, timeout):
            raise TimeoutError(f"{len(self.followups)} of {count} follow-ups in {timeout} s")
        return self.followups


class Exchange:
    """A message a scenario user sent, and the bot's messages in that channel since."""

    def __init__(self, fake: FakeDiscord, message: Json, timeout: float) -> None:
        self.fake = fake
        self.message = message  # the user's message, as dispatched
        self.timeout = timeout
        self._channel_id = str(message["channel_id"])
        self._after = int(message["id"])
        self._bot_id = str(fake.rest.state.bot_user["id"])

    def __repr__(self) -> str:
        return f"<Exchange message={self.message['id']} replies={len(self.replies)}>"

    def _replies(self) -> list[Json]:
        stored = self.fake.rest.state.messages.get(self._channel_id, {})
        found = [
            dict(m)
            for m in stored.values()
            if int(m["id"]) > self._after and str(m["author"]["id"]) == self._bot_id
        ]
        return sorted(found, key=lambda m: int(m["id"]))

    @property
    def replies(self) -> list[Json]:
        """The bot's messages in the channel since the user's, so far (no wait)."""
        with self.fake.rest.state.lock:
            return self._replies()

    def wait_replies(self, count: int = 1, timeout: float | None = None) -> list[Json]:
        """Waits until the bot posted `count` messages in the channel; returns them all."""
        timeout = self.timeout if timeout is None else timeout
        if not _wait(self.fake, lambda: len(self._replies()) >= count, timeout):
            raise TimeoutError(f"{len(self.replies)} of {count} bot replies in {timeout} s")
        return self.replies

    @property
    def reply(self) -> Json:
        """The bot's first reply (waits for it)."""
        return self.wait_replies(1)[0]
