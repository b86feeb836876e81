"""Example consumers that run (`make run` uses `examples.ping:PingConsumer`)."""
