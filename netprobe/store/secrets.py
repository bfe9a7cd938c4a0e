"""Store secrets named in the configuration, never written in it: ``env:NAME`` or ``file:PATH``."""

import os
from pathlib import Path

from netprobe.errors import ConfigError


def resolve_secret(value: str | None, key: str) -> str | None:
    """The secret ``[store] key = value`` points at: an environment variable or a file's text.

    Args:
        value: ``env:NAME``, ``file:PATH`` (its text without the final newline), or None.
        key: the configuration key, for messages (``password``, ``token``).

    Raises:
        ConfigError: the value is the secret itself, or names an unset variable or an
            unreadable file. Messages never contain the secret.
    """
    if value is None:
        return None
    source, _, name = value.partition(":")
    if source == "env" and name:
        if name not in os.environ:
            raise ConfigError(f"[store] {key} = 'env:{name}': environment variable {name} is unset")
        return os.environ[name]
    if source == "file" and name:
        try:
            return Path(name).expanduser().read_text().rstrip("\n")
        except OSError as exc:
            raise ConfigError(f"[store] {key} = 'file:{name}': {exc.strerror}") from None
    raise ConfigError(
        f"[store] {key}: expected 'env:NAME' or 'file:PATH' (the secret itself is never "
        "written in a configuration file)"
    )
