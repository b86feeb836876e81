"""Every endpoint of the Client round-trips against the simulator's REST side."""

from __future__ import annotations

from typing import Any

import pytest

from bot.api import BadRequest, Client, File, NotFound
from bot.payloads import Channel, Guild, Member, Message, Role, User
from bot.testing.rest import FakeRest


def test_messages_create_get_edit_history_delete(api: Client, world: dict[str, Any]) -> None:
    channel_id = world["channel_id"]
    created = api.create_message(
        channel_id,
        "hello",
        embeds=[{"title": "t", "description": "d"}],
        components=[
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}]}
        ],
        allowed_mentions={"parse": []},
    )
    assert isinstance(created, Message)
    assert created.content == "hello" and created.channel_id == channel_id
    assert created.raw["embeds"][0]["title"] == "t"
    assert api.get_message(channel_id, created.id) == created
    reply = api.create_message(channel_id, "a reply", reply_to=created)
    assert reply.raw["message_reference"]["message_id"] == str(created.id)
    edited = api.edit_message(channel_id, created.id, content="edited", embeds=None)
    assert edited.content == "edited" and edited.raw["embeds"] == []
    assert api.get_message(channel_id, created.id).content == "edited"
    history = api.get_messages(channel_id, limit=10)
    assert [m.id for m in history] == [reply.id, created.id]
    assert [m.id for m in api.get_messages(channel_id, before=reply.id)] == [created.id]
    api.delete_message(channel_id, created.id, reason="cleanup")
    with pytest.raises(NotFound) as caught:
        api.get_message(channel_id, created.id)
    assert caught.value.code == 10008 and caught.value.status == 404


def test_bulk_delete(api: Client, world: dict[str, Any]) -> None:
    channel_id = world["channel_id"]
    ids = [api.create_message(channel_id, str(i)).id for i in range(3)]
    api.bulk_delete_messages(channel_id, ids[:2])
    assert [m.id for m in api.get_messages(channel_id)] == [ids[2]]
    with pytest.raises(ValueError):
        api.bulk_delete_messages(channel_id, ids[:1])


def test_file_upload_is_multipart(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    message = api.create_message(
        world["channel_id"],
        "with file",
        files=[File("a.txt", b"hello file", content_type="text/plain", description="greeting")],
    )
    attachment = message.raw["attachments"][0]
    assert attachment["filename"] == "a.txt" and attachment["size"] == 10
    assert attachment["description"] == "greeting"
    assert rest.state.files[attachment["id"]] == b"hello file"
    assert api.create_message(world["channel_id"], files=[File("b.bin", b"\0\1")]).content == ""


def test_reactions(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    channel_id = world["channel_id"]
    message = api.create_message(channel_id, "react")
    api.create_reaction(channel_id, message.id, "👍")
    api.create_reaction(channel_id, message.id, "<:blob:123>")
    assert api.get_message(channel_id, message.id).raw["reactions"][0]["me"] is True
    users = api.get_reactions(channel_id, message.id, "👍")
    assert [u.id for u in users] == [int(rest.state.bot_user["id"])]
    api.delete_own_reaction(channel_id, message.id, "👍")
    assert api.get_reactions(channel_id, message.id, "👍") == []
    api.delete_all_reactions(channel_id, message.id, "blob:123")
    api.create_reaction(channel_id, message.id, "🎉")
    api.delete_user_reaction(channel_id, message.id, "🎉", int(rest.state.bot_user["id"]))
    api.delete_all_reactions(channel_id, message.id)
    assert api.get_message(channel_id, message.id).raw["reactions"] == []


def test_channels_and_threads(api: Client, world: dict[str, Any]) -> None:
    channel_id, guild_id = world["channel_id"], world["guild_id"]
    channel = api.get_channel(channel_id)
    assert isinstance(channel, Channel) and channel.name == "general"
    assert api.modify_channel(channel_id, name="renamed", topic="t").name == "renamed"
    api.trigger_typing(channel_id)
    message = api.create_message(channel_id, "thread me")
    thread = api.start_thread_from_message(channel_id, message.id, "a thread")
    assert thread.parent_id == channel_id
    other = api.start_thread(channel_id, "another", type=11)
    api.join_thread(other.id)
    api.add_thread_member(other.id, world["user_id"])
    api.remove_thread_member(other.id, world["user_id"])
    api.leave_thread(other.id)
    assert {t.id for t in api.get_active_threads(guild_id)} == {thread.id, other.id}
    assert api.delete_channel(other.id).id == other.id
    with pytest.raises(NotFound) as caught:
        api.get_channel(other.id)
    assert caught.value.code == 10003


def test_guilds_members_roles_bans(api: Client, world: dict[str, Any]) -> None:
    guild_id, user_id = world["guild_id"], world["user_id"]
    guild = api.get_guild(guild_id, with_counts=True)
    assert isinstance(guild, Guild) and guild.name == "Guild"
    assert guild.raw["approximate_member_count"] == 2
    assert world["channel_id"] in {c.id for c in api.get_guild_channels(guild_id)}
    created = api.create_guild_channel(guild_id, "new-channel", topic="x")
    assert created.name == "new-channel"
    member = api.get_member(guild_id, user_id)
    assert isinstance(member, Member) and member.user is not None
    assert member.user.id == user_id
    assert len(api.list_members(guild_id, limit=10)) == 2
    role = api.create_role(guild_id, name="mods", permissions="8", reason="setup")
    assert isinstance(role, Role) and role.name == "mods"
    assert api.modify_role(guild_id, role.id, name="admins").name == "admins"
    api.add_member_role(guild_id, user_id, role.id)
    assert role.id in api.get_member(guild_id, user_id).roles
    api.remove_member_role(guild_id, user_id, role.id)
    assert api.modify_member(guild_id, user_id, nick="Al").nick == "Al"
    assert role.id in {r.id for r in api.get_roles(guild_id)}
    api.delete_role(guild_id, role.id)
    api.ban_member(guild_id, user_id, delete_message_seconds=0, reason="spam")
    ban = api.get_ban(guild_id, user_id)
    assert ban.reason == "spam" and ban.user is not None and ban.user.id == user_id
    assert [b.user.id for b in api.get_bans(guild_id) if b.user] == [user_id]
    api.unban_member(guild_id, user_id)
    assert api.get_bans(guild_id) == []
    other = api.create_dm(user_id)
    assert other.type == 1


def test_kick(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    api.kick_member(world["guild_id"], world["user_id"], reason="bye")
    with pytest.raises(NotFound) as caught:
        api.get_member(world["guild_id"], world["user_id"])
    assert caught.value.code == 10007


def test_users(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    me = api.get_current_user()
    assert isinstance(me, User) and me.bot and me.id == int(rest.state.bot_user["id"])
    assert api.get_user(world["user_id"]).username == "alice"
    dm = api.create_dm(world["user_id"])
    assert api.create_dm(world["user_id"]).id == dm.id
    assert api.create_message(dm.id, "hi in DM").channel_id == dm.id


def test_interactions_original_and_followups(
    rest: FakeRest, api: Client, world: dict[str, Any]
) -> None:
    interaction = rest.state.add_interaction(str(world["channel_id"]))
    app_id, token = int(interaction["application_id"]), interaction["token"]
    api.create_interaction_response(int(interaction["id"]), token, 4, {"content": "first"})
    original = api.get_original_response(app_id, token)
    assert original.content == "first"
    assert api.edit_original_response(app_id, token, content="changed").content == "changed"
    followup = api.create_followup(app_id, token, "more", flags=64)
    assert followup.content == "more"
    assert api.edit_followup(app_id, token, followup.id, content="more!").content == "more!"
    api.delete_followup(app_id, token, followup.id)
    api.delete_original_response(app_id, token)
    with pytest.raises(BadRequest) as caught:
        api.create_interaction_response(int(interaction["id"]), token, 4, {"content": "again"})
    assert caught.value.code == 40060


def test_application_commands(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    app_id = int(rest.state.application_id)
    command = api.create_global_command(app_id, {"name": "ping", "description": "pong"})
    assert command.name == "ping" and command.application_id == app_id
    assert [c.name for c in api.get_global_commands(app_id)] == ["ping"]
    overwritten = api.bulk_overwrite_global_commands(
        app_id, [{"name": "a", "description": "x"}, {"name": "b", "description": "y"}]
    )
    assert sorted(c.name for c in overwritten) == ["a", "b"]
    api.delete_global_command(app_id, overwritten[0].id)
    assert [c.name for c in api.get_global_commands(app_id)] == [overwritten[1].name]
    guild_id = world["guild_id"]
    guild_command = api.create_guild_command(app_id, guild_id, {"name": "g", "description": "z"})
    assert guild_command.guild_id == guild_id
    assert [c.name for c in api.get_guild_commands(app_id, guild_id)] == ["g"]
    assert api.bulk_overwrite_guild_commands(app_id, guild_id, []) == []
    assert api.get_guild_commands(app_id, guild_id) == []


def test_webhook_execute(rest: FakeRest, api: Client, world: dict[str, Any]) -> None:
    hook = rest.state.add_webhook(str(world["channel_id"]))
    message = api.execute_webhook(int(hook["id"]), hook["token"], "via hook", username="Hooky")
    assert message is not None and message.author is not None
    assert message.author.username == "Hooky"
    assert api.execute_webhook(int(hook["id"]), hook["token"], "no wait", wait=False) is None
    assert len(api.get_messages(world["channel_id"])) == 2


def test_gateway_routes(rest: FakeRest, api: Client) -> None:
    rest.gateway_url = "ws://127.0.0.1:4321"
    rest.shards = 3
    assert api.get_gateway() == "ws://127.0.0.1:4321"
    info = api.get_gateway_bot()
    assert info.url == "ws://127.0.0.1:4321" and info.shards == 3
    assert info.session_start_limit is not None
    assert info.session_start_limit.max_concurrency == 1


def test_generic_request(api: Client, world: dict[str, Any]) -> None:
    body = api.request("GET", "/channels/{channel_id}", channel_id=world["channel_id"])
    assert body["name"] == "general"
    posted = api.request(
        "POST",
        "/channels/{channel_id}/messages",
        json={"content": "raw"},
        channel_id=world["channel_id"],
    )
    assert posted["content"] == "raw"


def test_errors_carry_code_message_and_field_errors(api: Client, world: dict[str, Any]) -> None:
    with pytest.raises(BadRequest) as caught:
        api.create_message(world["channel_id"], "x" * 2001)
    error = caught.value
    assert error.status == 400 and error.code == 50035
    assert error.message == "Invalid Form Body"
    assert error.field_errors == {
        "content": ["BASE_TYPE_MAX_LENGTH: Must be 2000 or fewer in length."]
    }
    assert "content: BASE_TYPE_MAX_LENGTH" in str(error)
    with pytest.raises(BadRequest) as empty:
        api.create_message(world["channel_id"])
    assert empty.value.code == 50006
