"""Routes of Discord's REST API as values: method, path template and parameters.

A `Route` knows its URL path and the key of its rate-limit bucket: the method and template
plus the values of its *major parameters* (channel, guild, webhook id and token), because
Discord keeps a separate limit per top-level resource.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

__all__ = ["MAJOR_PARAMETERS", "Route"]

# Top-level resources: a bucket is per route *and* per value of these.
# https://discord.com/developers/docs/topics/rate-limits (per-route rate limits)
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token")

# Route parameters that are secrets (a webhook's token lets anyone post as it).
SECRET_PARAMETERS = frozenset({"webhook_token", "interaction_token"})

_PARAM_RE = re.compile(r"\{(\w+)\}")


def _token_digest(value: Any) -> str:
    """A stable stand-in for a secret route parameter: one bucket per token, still."""
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Route:
    """One call's route: `Route("GET", "/channels/{channel_id}", channel_id=1)`.

    `global_limited` is False for the routes Discord exempts from the global limit
    (interaction responses and follow-ups).
    """

    method: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    global_limited: bool = True

    def __init__(
        self, method: str, template: str, *, global_limited: bool = True, **params: Any
    ) -> None:
        missing = set(_PARAM_RE.findall(template)) - params.keys()
        if missing:
            raise ValueError(f"route {template} needs {sorted(missing)}")
        object.__setattr__(self, "method", method.upper())
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "params", dict(params))
        object.__setattr__(self, "global_limited", global_limited)

    @property
    def path(self) -> str:
        """The URL path with every parameter filled in and quoted."""
        return _PARAM_RE.sub(lambda m: quote(str(self.params[m.group(1)]), safe=""), self.template)

    @property
    def key(self) -> str:
        """The route's own identity before Discord names its bucket: `"GET /channels/{id}"`."""
        return f"{self.method} {self.template}"

    @property
    def major(self) -> str:
        """The major parameter values, joined; "" for a route without any. A webhook token is
        a secret: it stands here as a digest, so no bucket key, `Grant` or log line holds it."""
        values = (
            (self.params[name], name in SECRET_PARAMETERS)
            for name in MAJOR_PARAMETERS
            if name in self.params
        )
        return ":".join(_token_digest(value) if secret else str(value) for value, secret in values)

    def __repr__(self) -> str:
        # The template only: webhook and interaction tokens are secrets and must not leak.
        return f"Route({self.method} {self.template})"
