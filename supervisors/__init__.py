"""The OTP supervision layer on Pykka: supervisors, restarts, links, monitors, cheap actors.

Knows nothing about Discord.
"""

from supervisors.actor import Actor

__all__ = ["Actor"]
