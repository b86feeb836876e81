"""From an event to the consumer's decorated method: the interaction and text-command router.

`Dispatcher.handle(consumer, event)` is called for every event a consumer takes, in the event's
worker. It returns True when it handled the event (an interaction that one of the consumer's
handlers, or one of its live views, answers; a text command of the consumer), else False and
the event goes on to `handle_event`.

Failures are contained and answered:
- a check that fails (the consumer's `interaction_check(ctx)`, `@check`, a view's
  `allowed_users`): an ephemeral refusal (an empty list of choices for an autocomplete);
- an option that is missing, of the wrong type or outside its declared bounds: an ephemeral
  message naming it (`interaction.bad_option`);
- a payload that cannot be read (an unknown type, a malformed field): `interaction.malformed`
  logged, answered ephemerally when this consumer owns the command;
- a handler that raises: `interaction.handler_failed` logged with the command and user, then the
  consumer's `on_command_error(ctx, error)` if it has one, else an ephemeral apology (if the
  interaction was not answered yet);
- a handler still running at the 3 s deadline without an answer: `interaction.deadline_missed`
  at the deadline (`bot.interactions.deadline`);
- a handler that returns without answering: `interaction.not_answered` (Discord then shows the
  user that the application did not respond);
- an autocomplete handler that raises: logged, answered with no choices.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from bot.events import Event
from bot.interactions.context import InteractionContext, PrefixContext
from bot.interactions.deadline import RunSoon, Schedule, run_soon, schedule, watch
from bot.interactions.decorators import CHECKS, MARK
from bot.interactions.enums import CommandType, InteractionType, OptionType
from bot.interactions.errors import InteractionsError, OptionConversionError
from bot.interactions.options import convert_option
from bot.interactions.prefix import convert_arguments, parse_invocation
from bot.interactions.registry import Registry
from bot.interactions.views import ViewStore, view_owner
from bot.payloads import Interaction, Message

__all__ = ["EXPIRED_TEXT", "FAILED_TEXT", "REFUSED_TEXT", "Dispatcher"]

log = structlog.get_logger(__name__)

FAILED_TEXT = "Sorry, something went wrong with this command."
EXPIRED_TEXT = "This has expired."
REFUSED_TEXT = "You cannot use this."

_SUBCOMMAND_TYPES = (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)


class Dispatcher:
    """Routes one consumer's interactions and text commands (see the module doc)."""

    def __init__(
        self,
        registry: Registry,
        views: ViewStore | None = None,
        *,
        schedule: Schedule = schedule,
        run_soon: RunSoon = run_soon,
    ) -> None:
        """`schedule(delay, callback)`: the timer facility of the 3 s watch; `run_soon(work)`:
        where an automatic defer runs (see `bot.interactions.deadline`)."""
        self.registry = registry
        self.views = views if views is not None else ViewStore()
        self.schedule = schedule
        self.run_soon = run_soon

    def handle(self, consumer: Any, event: Event) -> bool:
        """Handles `event` if it is for this consumer; False passes it on to `handle_event`."""
        if event.name == "INTERACTION_CREATE" and isinstance(event.data, Interaction):
            return self._interaction(consumer, event.data, time.monotonic())
        if event.name == "MESSAGE_CREATE" and self.registry.prefix_commands:
            return self._text_command(consumer, event.data)
        return False

    # -- interactions ------------------------------------------------------------------------------

    def _interaction(self, consumer: Any, interaction: Interaction, received: float) -> bool:
        try:
            ctx = InteractionContext(
                interaction,
                consumer.api,
                cache=getattr(consumer, "cache", None),
                views=self.views,
                received_at=received,
            )
        except (InteractionsError, LookupError, TypeError, ValueError) as error:
            # No context, so no answer: the payload is not one Discord sends.
            log.warning("interaction.malformed", id=_safe_id(interaction), problem=str(error))
            return False
        try:
            return self._route(consumer, ctx)
        except (InteractionsError, LookupError, TypeError, ValueError, AttributeError) as error:
            # A routing step met a field of the wrong shape (handlers' own errors are caught
            # in `_call`): log it, and answer if this consumer took the interaction.
            log.warning(
                "interaction.malformed",
                id=_safe_id(interaction),
                command=ctx.command or ctx.custom_id,
                problem=f"{type(error).__name__}: {error}",
            )
            if ctx.command and not ctx.responded and not ctx.answering:
                _refuse(ctx, FAILED_TEXT)
            return bool(ctx.command)

    def _route(self, consumer: Any, ctx: InteractionContext) -> bool:
        kind = ctx.type
        if kind in (
            InteractionType.APPLICATION_COMMAND,
            InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
        ):
            return self._command(consumer, ctx)
        if kind is InteractionType.MESSAGE_COMPONENT and ctx.custom_id is not None:
            owner = view_owner(ctx.custom_id)
            if owner is not None:
                return owner == self.views.owner and self._view(consumer, ctx)
            return self._routed(consumer, ctx, modal=False)
        if kind is InteractionType.MODAL_SUBMIT and ctx.custom_id is not None:
            return self._routed(consumer, ctx, modal=True)
        log.info(
            "interaction.malformed",
            id=_safe_id(ctx.interaction),
            type=kind.name,
            problem="no custom_id string" if kind is not InteractionType.PING else "a ping",
        )
        return False

    def _command(self, consumer: Any, ctx: InteractionContext) -> bool:
        data = ctx._data
        try:
            command_type = CommandType(data.get("type", CommandType.CHAT_INPUT))
        except ValueError:
            log.info("interaction.unknown_command_type", type=repr(data.get("type"))[:40])
            return False
        path, options = _path_and_options(data)
        route = self.registry.routes.get((command_type, path))
        if route is None:
            # Another consumer may own it: debug only (each consumer sees every interaction).
            log.debug("interaction.unrouted", command=" ".join(path)[:100])
            return False
        ctx.command = " ".join(path)
        if ctx.type is InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
            focused = next((o for o in options if o.get("focused")), None)
            name = focused.get("name") if focused is not None else None
            handler = self.registry.autocompletes.get((path, name)) if name else None
            if handler is None or focused is None:
                log.info("interaction.no_autocomplete", command=ctx.command, option=name)
                ctx.autocomplete([])
                return True
            ctx.focused = name
            self._run(
                consumer,
                ctx,
                handler,
                lambda method: ctx.autocomplete(method(ctx, focused.get("value", ""))),
            )
            return True
        handler = route.handler
        if command_type is not CommandType.CHAT_INPUT:
            target = _target(ctx, command_type)
            self._run(consumer, ctx, handler, lambda method: method(ctx, target))
            return True
        given = {o.get("name"): o.get("value") for o in options}
        try:
            for spec in route.options:
                if spec.name in given:
                    ctx.options[spec.param] = convert_option(spec, given[spec.name], ctx.resolved)
                elif spec.required:
                    raise OptionConversionError(spec.name, "a value (it is required)", "nothing")
                else:
                    ctx.options[spec.param] = spec.default
        except OptionConversionError as error:
            log.info(
                "interaction.bad_option",
                command=ctx.command,
                option=error.name,
                got=error.got[:100],
                user=_user_id(ctx),
            )
            ctx.respond(
                f"Invalid value for `{error.name}`: expected {error.expected}, got {error.got}.",
                ephemeral=True,
            )
            return True
        self._run(consumer, ctx, handler, lambda method: method(ctx, **ctx.options))
        return True

    def _routed(self, consumer: Any, ctx: InteractionContext, *, modal: bool) -> bool:
        assert ctx.custom_id is not None
        found = self.registry.find_component(ctx.custom_id, modal=modal)
        if found is None:
            log.debug("interaction.unrouted", custom_id=ctx.custom_id[:100], modal=modal)
            return False
        handler, ctx.params = found
        self._run(consumer, ctx, handler, lambda method: method(ctx, **ctx.params))
        return True

    def _view(self, consumer: Any, ctx: InteractionContext) -> bool:
        assert ctx.custom_id is not None
        view = self.views.find(ctx.custom_id)
        callback = view.callback(ctx.custom_id) if view is not None else None
        if view is None or callback is None:
            ctx.respond(EXPIRED_TEXT, ephemeral=True)
            return True
        try:
            allowed = view.allows(ctx)
        except Exception:
            log.exception("interaction.check_failed", custom_id=ctx.custom_id, user=_user_id(ctx))
            allowed = False
        if not allowed:
            ctx.respond(REFUSED_TEXT, ephemeral=True)
            return True
        if not self._consumer_allows(consumer, ctx):
            return True
        self._call(None, ctx, "view", lambda: callback(ctx))
        return True

    def _run(
        self, consumer: Any, ctx: InteractionContext, handler: str, call: Callable[[Any], Any]
    ) -> None:
        method = getattr(consumer, handler)
        if not self._consumer_allows(consumer, ctx):
            return
        for check in getattr(method, CHECKS, ()):
            if not _passes(check.predicate, ctx):
                if not ctx.responded:
                    _refuse(ctx, check.message)
                return
        mark = getattr(method, MARK, None)
        auto_defer = bool(getattr(mark, "auto_defer", False))
        self._call(consumer, ctx, handler, lambda: call(method), auto_defer=auto_defer)

    @staticmethod
    def _consumer_allows(consumer: Any, ctx: InteractionContext) -> bool:
        """The consumer's `interaction_check(ctx)`, before any handler or view callback."""
        predicate = getattr(consumer, "interaction_check", None)
        if predicate is None or _passes(predicate, ctx):
            return True
        if not ctx.responded:
            _refuse(ctx, getattr(consumer, "interaction_check_message", REFUSED_TEXT))
        return False

    def _call(
        self,
        consumer: Any,
        ctx: InteractionContext,
        handler: str,
        call: Callable[[], Any],
        *,
        auto_defer: bool = False,
    ) -> None:
        deadline = watch(
            ctx,
            handler,
            _user_id(ctx),
            self.schedule,
            auto_defer=auto_defer
            and ctx.type is not InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
            background=self.run_soon,
        )
        try:
            call()
        except Exception as error:
            log.exception(
                "interaction.handler_failed",
                command=ctx.command or ctx.custom_id,
                handler=handler,
                user=_user_id(ctx),
                guild=_guild_id(ctx),
            )
            _answer_error(consumer, ctx, error)
            return
        finally:
            deadline.cancel()
        if not ctx.responded and ctx.type is not InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
            log.warning(
                "interaction.not_answered",
                command=ctx.command or ctx.custom_id,
                handler=handler,
                elapsed=round(ctx.elapsed, 3),
                hint="answer with ctx.respond(), ctx.defer() or ctx.update_message()",
            )

    # -- text commands -----------------------------------------------------------------------------

    def _text_command(self, consumer: Any, message: Any) -> bool:
        if not isinstance(message, Message) or message.author is None or message.author.bot:
            return False
        prefix = getattr(consumer, "prefix", "!")
        prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
        invocation = parse_invocation(message.content or "", prefixes)
        if invocation is None:
            return False
        name, text = invocation
        command = self.registry.prefix_commands.get(name)
        if command is None:
            return False
        ctx = PrefixContext(
            message, consumer.api, cache=getattr(consumer, "cache", None), command=name
        )
        try:
            arguments = convert_arguments(command, text, message, ctx.cache)
        except OptionConversionError as error:
            log.info(
                "prefix_command.bad_argument",
                command=name,
                argument=error.name,
                user=message.author.id,
            )
            ctx.reply(
                f"`{error.name}`: expected {error.expected}, got {error.got}. "
                f"Usage: `{prefixes[0]}{command.usage}`"
            )
            return True
        try:
            getattr(consumer, command.handler)(ctx, **arguments)
        except Exception:
            log.exception(
                "prefix_command.handler_failed",
                command=name,
                user=message.author.id,
                channel=message.channel_id,
            )
        return True


def _path_and_options(data: Any) -> tuple[tuple[str, ...], list[Mapping[str, Any]]]:
    """The invoked path ("tag", "admin", "purge") and the leaf's options (objects only)."""
    path = [str(data.get("name", ""))]
    options = _objects(data.get("options"))
    while len(options) == 1 and options[0].get("type") in _SUBCOMMAND_TYPES:
        path.append(str(options[0].get("name", "")))
        options = _objects(options[0].get("options"))
    return tuple(path), options


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of a list field; anything else in it (or a non-list) is dropped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _target(ctx: InteractionContext, command_type: CommandType) -> Any:
    """The user or message a context-menu command was used on."""
    from bot.payloads import Member, User

    target_id = str(ctx._data.get("target_id"))
    resolved = ctx.resolved
    if command_type is CommandType.USER:
        user = (resolved.get("users") or {}).get(target_id)
        member = (resolved.get("members") or {}).get(target_id)
        if member is not None and user is not None:
            return Member({**member, "user": user, "guild_id": ctx.guild_id})
        return User(user or {"id": target_id})
    return Message((resolved.get("messages") or {}).get(target_id) or {"id": target_id})


def _passes(predicate: Callable[[Any], Any], ctx: InteractionContext) -> bool:
    try:
        return bool(predicate(ctx))
    except Exception:
        log.exception("interaction.check_failed", command=ctx.command, user=_user_id(ctx))
        return False


def _refuse(ctx: InteractionContext, message: str) -> None:
    """A refusal the user sees: ephemeral text, or no choices for an autocomplete."""
    if ctx.type is InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
        ctx.autocomplete([])
    else:
        ctx.respond(message, ephemeral=True)


def _user_id(ctx: InteractionContext) -> int | None:
    """Who, for a log line; None when the payload has no readable user."""
    try:
        return ctx.user.id
    except (InteractionsError, LookupError, TypeError, ValueError, AttributeError):
        return None


def _guild_id(ctx: InteractionContext) -> int | None:
    """Where, for a log line; None when the payload's guild_id is unreadable."""
    try:
        return ctx.guild_id
    except (TypeError, ValueError):
        return None


def _safe_id(interaction: Interaction) -> str:
    """The interaction's id as received, cut short (for a log line about a bad payload)."""
    return repr(interaction.raw.get("id"))[:40]


def _answer_error(consumer: Any, ctx: InteractionContext, error: Exception) -> None:
    on_error = getattr(consumer, "on_command_error", None) if consumer is not None else None
    autocomplete = ctx.type is InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE
    try:
        if autocomplete:
            # Only choices can answer an autocomplete: none, so the user's list stops waiting.
            if not ctx.responded:
                ctx.autocomplete([])
        elif on_error is not None:
            on_error(ctx, error)
        elif not ctx.responded:
            ctx.respond(FAILED_TEXT, ephemeral=True)
    except Exception:
        log.exception("interaction.error_answer_failed", command=ctx.command or ctx.custom_id)
