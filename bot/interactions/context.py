"""`InteractionContext`: one interaction with the verbs to answer it; what handlers get as `ctx`.

    ctx.respond("Rolled 4", ephemeral=True)          # the first answer (within 3 seconds)
    ctx.defer(ephemeral=True); ...; ctx.followup("done")   # answer later (up to 15 minutes)
    ctx.edit_original(content="...")   ctx.delete_original()
    ctx.send_modal(modal)              ctx.update_message(content="...")   (components)

Discord wants a first answer within `INITIAL_RESPONSE_DEADLINE` (3 s): `defer` is that answer
when the work takes longer. A handler still without an answer at the deadline is logged then
(`interaction.deadline_missed`, see `bot.interactions.deadline`), an answer given late is logged
(`interaction.late_response`), and so is a handler that returned without answering
(`interaction.not_answered`).
Answering twice raises `AlreadyResponded` rather than a 400 from Discord. The interaction's token
is never in a repr or a log line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import structlog

from bot.interactions import limits
from bot.interactions.components import ActionRow, Component, components_payload
from bot.interactions.embeds import Embed, check_embeds
from bot.interactions.enums import CallbackType, InteractionType, MessageFlags
from bot.interactions.errors import InteractionsError, LimitError
from bot.interactions.modals import Modal
from bot.interactions.options import Choice
from bot.interactions.views import View, ViewStore
from bot.payloads import Interaction, Member, Message, User

__all__ = [
    "AlreadyResponded",
    "InteractionContext",
    "ModalFields",
    "PrefixContext",
    "message_data",
]

log = structlog.get_logger(__name__)

Embeds = Sequence[Embed | Mapping[str, Any]]
Components = Sequence[ActionRow | Component | Mapping[str, Any]]


class AlreadyResponded(InteractionsError, RuntimeError):
    """The interaction already has its first answer: use `followup` or `edit_original`."""


def message_data(
    content: str | None = None,
    *,
    embeds: Embeds | None = None,
    components: Components | None = None,
    ephemeral: bool = False,
    allowed_mentions: Mapping[str, Any] | None = None,
    tts: bool = False,
    flags: MessageFlags = MessageFlags.NONE,
) -> dict[str, Any]:
    """A message body from builders, with the content, embed and component limits checked."""
    data: dict[str, Any] = {}
    if content is not None:
        if len(content) > limits.MESSAGE_CONTENT_MAX:
            raise LimitError(
                "message content",
                f"{len(content)} characters, at most {limits.MESSAGE_CONTENT_MAX}",
                "MESSAGE_CONTENT_MAX",
            )
        data["content"] = content
    if embeds is not None:
        check_embeds(embeds)
        data["embeds"] = [e.to_payload() if isinstance(e, Embed) else dict(e) for e in embeds]
    if components is not None:
        data["components"] = components_payload(components)
    if allowed_mentions is not None:
        data["allowed_mentions"] = dict(allowed_mentions)
    if tts:
        data["tts"] = True
    if ephemeral:
        flags |= MessageFlags.EPHEMERAL
    if flags:
        data["flags"] = int(flags)
    return data


class InteractionContext:
    """One received interaction, what the dispatcher read from it, and the verbs to answer.

    Read: `interaction` (the payload), `type`, `user`, `member`, `guild_id`, `channel_id`,
    `locale`, `command` (the invoked path, "tag show"), `options` (converted values by name),
    `custom_id`, `params` (from the custom_id pattern), `values` (a select's), `fields` (a
    modal's text inputs: {custom_id: text}), `selected` (a modal's selects: {custom_id: [values]}),
    `message` (a component's message), `focused` (autocomplete), `resolved`.
    `api` and `cache` are the consumer's.
    """

    def __init__(
        self,
        interaction: Interaction,
        api: Any,
        *,
        cache: Any = None,
        views: ViewStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        received_at: float | None = None,
    ) -> None:
        self.interaction = interaction
        self.api = api
        self.cache = cache
        self._views = views
        self._clock = clock
        self.received_at = clock() if received_at is None else received_at
        self.response_type: CallbackType | None = None
        self.answering = False  # the first answer is on its way (read by the deadline watch)
        self.auto_deferred = False  # the dispatcher deferred for a slow `auto_defer` handler
        # The first answer is sent under this lock: an automatic defer from the timer's side
        # and the handler's own answer never both go out.
        self._answer_lock = threading.Lock()
        self.command = ""
        self.options: dict[str, Any] = {}
        self.params: dict[str, Any] = {}
        self.focused: str | None = None
        data = interaction.data
        if not isinstance(data, Mapping):
            data = {}
        self._data: Mapping[str, Any] = data
        custom_id = data.get("custom_id")
        self.custom_id: str | None = custom_id if isinstance(custom_id, str) else None
        self.values: list[str] = _strings(data.get("values"))
        resolved = data.get("resolved")
        self.resolved: Mapping[str, Any] = resolved if isinstance(resolved, Mapping) else {}
        self.fields = ModalFields(self.custom_id)
        self.selected = ModalFields(self.custom_id)
        if self.type is InteractionType.MODAL_SUBMIT:
            _read_modal(data.get("components"), self.fields, self.selected)

    # -- what it is ------------------------------------------------------------------------------

    @property
    def type(self) -> InteractionType:
        return InteractionType(self.interaction.type)

    @property
    def user(self) -> User:
        """Who triggered it (the member's user in a guild)."""
        author = self.interaction.author
        if author is None:
            raise InteractionsError("the interaction has no user")
        return author

    @property
    def member(self) -> Member | None:
        return self.interaction.member

    @property
    def guild_id(self) -> int | None:
        return self.interaction.guild_id

    @property
    def channel_id(self) -> int | None:
        return self.interaction.channel_id

    @property
    def locale(self) -> str | None:
        return self.interaction.locale

    @property
    def message(self) -> Message | None:
        """The message a component was on (None for commands)."""
        return self.interaction.message

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def elapsed(self) -> float:
        """Seconds since the interaction was received."""
        return self._clock() - self.received_at

    def __repr__(self) -> str:
        what = self.command or self.custom_id or ""
        return f"<InteractionContext {self.type.name} {what!r} id={self.interaction.id}>"

    # -- the first answer ------------------------------------------------------------------------

    def respond(
        self,
        content: str | None = None,
        *,
        embeds: Embeds | None = None,
        components: Components | None = None,
        view: View | None = None,
        ephemeral: bool = False,
        allowed_mentions: Mapping[str, Any] | None = None,
        tts: bool = False,
        files: Sequence[Any] | None = None,
    ) -> None:
        """Answers with a message (`ephemeral`: only the user sees it)."""
        components = self._with_view(components, view)
        data = message_data(
            content,
            embeds=embeds,
            components=components,
            ephemeral=ephemeral,
            allowed_mentions=allowed_mentions,
            tts=tts,
        )
        self._callback(CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, data, files=files)

    def defer(self, *, ephemeral: bool = False) -> None:
        """Answers "thinking..." now; the message comes later with `followup`/`edit_original`.

        On a component, `defer()` acknowledges without changing the message (the click's
        spinner stops); `edit_original` then edits that message.
        """
        if self.type is InteractionType.MESSAGE_COMPONENT and not ephemeral:
            self._callback(CallbackType.DEFERRED_UPDATE_MESSAGE, None)
            return
        flags = {"flags": int(MessageFlags.EPHEMERAL)} if ephemeral else None
        self._callback(CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, flags)

    def update_message(
        self,
        content: str | None = None,
        *,
        embeds: Embeds | None = None,
        components: Components | None = None,
        view: View | None = None,
    ) -> None:
        """Edits the message the component is on, as the answer to the click."""
        if self.type not in (InteractionType.MESSAGE_COMPONENT, InteractionType.MODAL_SUBMIT):
            raise InteractionsError("update_message answers components and modal submits only")
        components = self._with_view(components, view)
        data = message_data(content, embeds=embeds, components=components)
        self._callback(CallbackType.UPDATE_MESSAGE, data)

    def send_modal(self, modal: Modal) -> None:
        """Shows a modal (not possible in answer to a modal submit or an autocomplete)."""
        if self.type in (
            InteractionType.MODAL_SUBMIT,
            InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
        ):
            raise InteractionsError("a modal cannot answer a modal submit or an autocomplete")
        self._callback(CallbackType.MODAL, modal.to_payload())

    def autocomplete(self, choices: Iterable[Choice | str | int | float]) -> None:
        """Answers an autocomplete with up to 25 choices (more are cut, with a log line).

        A plain value is shown as its text, cut to 100 characters; a choice Discord would refuse
        (an empty name, a name or a string value over 100 characters, a value that is no string
        or number) is left out with a log line, so that echoing what the user typed cannot
        fail the whole answer.
        """
        given = list(choices)
        if len(given) > limits.AUTOCOMPLETE_CHOICES_MAX:
            log.info("interaction.autocomplete_truncated", command=self.command, given=len(given))
            given = given[: limits.AUTOCOMPLETE_CHOICES_MAX]
        payload = []
        for choice in given:
            if not isinstance(choice, Choice):
                choice = Choice(_cut(str(choice), limits.CHOICE_NAME_MAX), choice)
            if _valid_choice(choice):
                payload.append(choice.to_payload())
            else:
                log.info(
                    "interaction.autocomplete_choice_dropped",
                    command=self.command,
                    name=str(choice.name)[:50],
                )
        self._callback(CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT, {"choices": payload})

    # -- after the first answer --------------------------------------------------------------------

    def followup(
        self,
        content: str | None = None,
        *,
        embeds: Embeds | None = None,
        components: Components | None = None,
        view: View | None = None,
        ephemeral: bool = False,
        files: Sequence[Any] | None = None,
    ) -> Message:
        """Sends another message (after the first answer); returns it."""
        components = self._with_view(components, view)
        data = message_data(content, embeds=embeds, components=components, ephemeral=ephemeral)
        message: Message = self.api.create_followup(
            self.interaction.application_id,
            self.interaction.token,
            data.pop("content", None),
            files=files,
            **data,
        )
        return message

    def edit_original(
        self,
        content: str | None = None,
        *,
        embeds: Embeds | None = None,
        components: Components | None = None,
        view: View | None = None,
    ) -> Message:
        """Edits the first answer (or fills in a deferred one); returns the message."""
        components = self._with_view(components, view)
        data = message_data(content, embeds=embeds, components=components)
        message: Message = self.api.edit_original_response(
            self.interaction.application_id, self.interaction.token, **data
        )
        return message

    def delete_original(self) -> None:
        self.api.delete_original_response(self.interaction.application_id, self.interaction.token)

    def auto_defer(self) -> bool:
        """Defers now unless an answer was given or is on its way; True if it deferred. The
        dispatcher calls it for an `auto_defer=True` handler still silent after
        `AUTO_DEFER_AFTER`; the handler's `respond`/`update_message` then edit the deferred
        answer instead (an ephemeral wish can no longer be granted: it is logged)."""
        with self._answer_lock:
            if self.response_type is not None:
                return False
            kind = (
                CallbackType.DEFERRED_UPDATE_MESSAGE
                if self.type is InteractionType.MESSAGE_COMPONENT
                else CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            )
            self._send_first(kind, None, None)
            self.auto_deferred = True
        log.info(
            "interaction.auto_deferred",
            command=self.command or self.custom_id,
            elapsed=round(self.elapsed, 3),
        )
        return True

    # -- inside ------------------------------------------------------------------------------------

    def _with_view(self, components: Components | None, view: View | None) -> Components | None:
        if view is None:
            return components
        if components is not None:
            raise InteractionsError("give components or a view, not both")
        if self._views is None:
            raise InteractionsError("views need a consumer (this context has no view store)")
        self._views.add(view)
        return view.rows()

    def _callback(
        self,
        kind: CallbackType,
        data: Mapping[str, Any] | None,
        *,
        files: Sequence[Any] | None = None,
    ) -> None:
        with self._answer_lock:
            if self.response_type is not None and self.auto_deferred:
                self._after_auto_defer(kind, data, files)
                return
            if self.response_type is not None:
                raise AlreadyResponded(
                    f"{self!r} was already answered ({self.response_type.name}): "
                    "use followup() or edit_original()"
                )
            elapsed = self.elapsed
            if elapsed > limits.INITIAL_RESPONSE_DEADLINE:
                log.warning(
                    "interaction.late_response",
                    command=self.command or self.custom_id,
                    elapsed=round(elapsed, 3),
                    deadline=limits.INITIAL_RESPONSE_DEADLINE,
                    hint="call ctx.defer() first when the work takes time",
                )
            self._send_first(kind, data, files)

    def _send_first(
        self, kind: CallbackType, data: Mapping[str, Any] | None, files: Sequence[Any] | None
    ) -> None:
        self.answering = True
        try:
            self.api.create_interaction_response(
                self.interaction.id, self.interaction.token, int(kind), data, files=files
            )
            self.response_type = kind
        finally:
            self.answering = False

    def _after_auto_defer(
        self, kind: CallbackType, data: Mapping[str, Any] | None, files: Sequence[Any] | None
    ) -> None:
        """The handler's own first answer, after the dispatcher deferred for it."""
        if kind in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        ):
            return  # already done
        deferred_update = self.response_type is CallbackType.DEFERRED_UPDATE_MESSAGE
        body = dict(data or {})
        if kind is CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and deferred_update:
            # A click deferred without a message: the handler's message is a follow-up.
            self.api.create_followup(
                self.interaction.application_id,
                self.interaction.token,
                body.pop("content", None),
                files=files,
                **body,
            )
            return
        wanted = (
            CallbackType.UPDATE_MESSAGE
            if deferred_update
            else CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
        )
        if kind is not wanted:
            raise AlreadyResponded(
                f"{self!r} was deferred automatically (auto_defer, "
                f"{self.response_type.name if self.response_type else ''}): a {kind.name} cannot "
                "follow; answer in time, or do not use auto_defer for this handler"
            )
        if int(body.pop("flags", 0)) & MessageFlags.EPHEMERAL:
            log.info(
                "interaction.auto_deferred_not_ephemeral",
                command=self.command or self.custom_id,
                hint="call ctx.defer(ephemeral=True) first for an ephemeral late answer",
            )
        body.pop("tts", None)
        self.api.edit_original_response(
            self.interaction.application_id, self.interaction.token, files=files, **body
        )


def _cut(text: str, maximum: int) -> str:
    return text if len(text) <= maximum else text[: maximum - 1] + "\u2026"


def _valid_choice(choice: Choice) -> bool:
    """A choice Discord takes (`application-commands.mdx`, Application Command Option Choice)."""
    value = choice.value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    if isinstance(value, str) and len(value) > limits.CHOICE_STRING_VALUE_MAX:
        return False
    return isinstance(choice.name, str) and 1 <= len(choice.name) <= limits.CHOICE_NAME_MAX


class ModalFields(dict[str, Any]):
    """What a modal submit holds by custom_id; a missing one raises a `KeyError` that names the
    modal and the fields it has (a modal changed since it was sent, or a forged submit)."""

    def __init__(self, modal: str | None) -> None:
        super().__init__()
        self.modal = modal

    def __missing__(self, key: str) -> Any:
        raise KeyError(f"modal {self.modal!r} has no field {key!r} (it has {sorted(self)})")


def _strings(value: Any) -> list[str]:
    """A list of strings from a received field (anything else in it is dropped)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def _read_modal(
    components: Any, fields: ModalFields, selected: ModalFields, depth: int = 0
) -> None:
    """Fills `fields` ({custom_id: text} of text inputs) and `selected` ({custom_id: values}
    of selects) from a modal submit: action rows and labels (type 18), their direct children."""
    if not isinstance(components, list) or depth > _MODAL_DEPTH:
        return
    for component in components:
        if not isinstance(component, Mapping):
            continue
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            if isinstance(component.get("value"), str):
                fields[custom_id] = component["value"]
            elif "values" in component:
                selected[custom_id] = _strings(component["values"])
        _read_modal(component.get("components"), fields, selected, depth + 1)
        child = component.get("component")
        if isinstance(child, Mapping):
            _read_modal([child], fields, selected, depth + 1)


_MODAL_DEPTH = 1  # a label or a row holds its inputs directly; deeper is not Discord's shape


class PrefixContext:
    """A text command's message, with `reply`; what `@prefix_command` handlers get as `ctx`."""

    def __init__(self, message: Message, api: Any, *, cache: Any = None, command: str = "") -> None:
        self.message = message
        self.api = api
        self.cache = cache
        self.command = command

    @property
    def author(self) -> User | None:
        return self.message.author

    @property
    def channel_id(self) -> int:
        return int(self.message.channel_id)

    @property
    def guild_id(self) -> int | None:
        return self.message.guild_id

    def reply(
        self,
        content: str | None = None,
        *,
        embeds: Embeds | None = None,
        components: Components | None = None,
        mention_author: bool = False,
    ) -> Message:
        """Answers in the message's channel, as a Discord reply to it."""
        data = message_data(
            content,
            embeds=embeds,
            components=components,
            allowed_mentions=None if mention_author else {"parse": [], "replied_user": False},
        )
        message: Message = self.api.create_message(
            self.channel_id, data.pop("content", None), reply_to=self.message.id, **data
        )
        return message

    def __repr__(self) -> str:
        return f"<PrefixContext {self.command!r} message={self.message.id}>"
