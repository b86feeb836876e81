"""Example bots: `examples.dice` (commands, components, modals, embeds, a text command) and
`examples.ping` (the demo `make run` plays, shipped as `bot.app.demo`)."""
