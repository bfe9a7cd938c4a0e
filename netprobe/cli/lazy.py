"""A click group that imports a command's module only when that command is used.

Each command family pulls in its own room (the store, the lab, the probes…): importing
them all would charge every run of one command, `netprobe detect` on a file for instance,
for the start-up of all the others. `netprobe --help` still lists every command (it
imports them all, to show their help lines).
"""

import importlib

import click


class LazyGroup(click.Group):
    """A ``click.Group`` whose commands may be registered by "module:attribute"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lazy: dict[str, str] = {}

    def add_lazy(self, name: str, target: str) -> None:
        """Register the command ``name``, the object ``target`` ("package.module:attribute")."""
        self._lazy[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Names of every command, registered eagerly or lazily, sorted."""
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, its module imported on first use."""
        if cmd_name in self._lazy and cmd_name not in self.commands:
            module, _, attribute = self._lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if command.name != cmd_name:
                raise RuntimeError(f"{self._lazy[cmd_name]} is the command {command.name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)
