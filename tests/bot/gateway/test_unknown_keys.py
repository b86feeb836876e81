"""Unknown keys: passed through, logged once at debug, never added to the key table."""

from __future__ import annotations

import logging
import uuid

import erlpack
import structlog
from structlog.testing import capture_logs

from bot.gateway import EtfCodec, JsonCodec
from bot.gateway.keys import KEY_TABLE, KNOWN_KEYS


def test_an_unknown_key_is_logged_once_at_debug_and_never_added_to_the_table() -> None:
    name = f"brand_new_{uuid.uuid4().hex}"
    table_size = len(KEY_TABLE)
    # Another test may have configured the level to info: let debug through for this one.
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with capture_logs() as logs:
            for _ in range(3):
                assert JsonCodec().decode(f'{{"{name}": 1}}'.encode()) == {name: 1}
                assert EtfCodec().decode(erlpack.pack({name: 1})) == {name: 1}
    finally:
        structlog.configure(wrapper_class=wrapper)
    found = [entry for entry in logs if entry.get("key") == name]
    assert len(found) == 1
    assert found[0]["event"] == "gateway.unknown_key"
    assert found[0]["log_level"] == "debug"
    assert name not in KNOWN_KEYS and name not in KEY_TABLE and name.encode() not in KEY_TABLE
    assert len(KEY_TABLE) == table_size
