"""Builds the gateway URL with its query: `?v=10&encoding=json&compress=zlib-stream`.

Source: developers/events/gateway.mdx (Connecting): pass `v` and `encoding` explicitly; RESUME
connects to `resume_gateway_url` with the same parameters.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .codecs import Encoding
from .compression import Compression
from .limits import API_VERSION

__all__ = ["gateway_url"]


def gateway_url(
    base: str,
    encoding: Encoding | str = Encoding.JSON,
    compression: Compression | str = Compression.NONE,
    version: int = API_VERSION,
) -> str:
    """`base` with v, encoding and compress set (other query parameters are kept)."""
    parts = urlsplit(base)
    query = {
        key: value
        for key, value in parse_qsl(parts.query)
        if key not in ("v", "encoding", "compress")
    }
    query["v"] = str(version)
    query["encoding"] = Encoding(encoding).value
    compress = Compression(compression).query_value
    if compress is not None:
        query["compress"] = compress
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))
