"""Shardline's moving parts: thin Pykka actors around the pure objects of `bot`."""
