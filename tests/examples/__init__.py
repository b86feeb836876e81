"""Tests of the example bots, through the simulator."""
