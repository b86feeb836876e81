"""The OTP supervision layer on Pykka: supervisors, restarts, links, monitors, cheap actors.

Knows nothing about Discord.
"""
