"""Discord's REST API: the client, its errors, and the rate-limit machinery it runs on."""

from bot.api.bodies import UNSET
from bot.api.client import Client
from bot.api.errors import (
    BadRequest,
    DiscordHTTPError,
    Forbidden,
    HTTPResponseError,
    InvalidRequestLimit,
    NetworkError,
    NotFound,
    RateLimited,
    RatelimiterUnavailable,
    RateLimitWaitTooLong,
    ResponseTooLarge,
    ServerError,
    Unauthorized,
)
from bot.api.http import API_VERSION, DEFAULT_BASE_URL, File, user_agent
from bot.api.limiter import Limiter, LocalLimiter
from bot.api.ratelimits import RateLimitConfig, RateLimits
from bot.api.routes import Route

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "UNSET",
    "BadRequest",
    "Client",
    "DiscordHTTPError",
    "File",
    "Forbidden",
    "HTTPResponseError",
    "InvalidRequestLimit",
    "Limiter",
    "LocalLimiter",
    "NetworkError",
    "NotFound",
    "RateLimitConfig",
    "RateLimitWaitTooLong",
    "RateLimited",
    "RateLimits",
    "RatelimiterUnavailable",
    "ResponseTooLarge",
    "Route",
    "ServerError",
    "Unauthorized",
    "user_agent",
]
