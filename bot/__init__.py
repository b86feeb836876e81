"""Shardline: Discord bots as an OTP-style supervision tree of Pykka actors."""
