"""Every error netprobe raises on purpose, and the exit codes the CLI maps them to."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command but `netprobe check`."""

    OK = 0
    FAILURE = 1
    USAGE = 2


class NagiosCode(IntEnum):
    """Exit codes of `netprobe check`, as Nagios/Icinga plugins use them."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


class NetprobeError(Exception):
    """Base of every expected error; its message is one line meant for a person."""

    exit_code: ExitCode = ExitCode.FAILURE


class ConfigError(NetprobeError):
    """A schedule file or option is wrong: names the file, the key, the value, what was expected."""

    exit_code = ExitCode.USAGE


class InputError(NetprobeError):
    """A data file given on the command line is unusable (bad header, non-numbers, ...)."""

    exit_code = ExitCode.USAGE


class ProbeError(NetprobeError):
    """A probe could not even be attempted (tool missing, bad spec); failed runs are Results."""


class StoreError(NetprobeError):
    """The result store cannot be opened, read or written."""


class LabError(NetprobeError):
    """The namespaced test network cannot be built, changed or removed."""


class LockBusy(NetprobeError):
    """Another netprobe process holds the lock this one needs."""


class Interrupted(NetprobeError):
    """netprobe was stopped by a signal (SIGTERM) in the middle of its work."""


class DocumentError(NetprobeError, ValueError):
    """A document made elsewhere (archive record, archiver body, pSConfig template) is not
    what its format promises: names the field, the value and what was expected."""


class FetchError(NetprobeError):
    """A remote archive or template cannot be read: HTTP error, TLS failure, timeout, or an
    answer that is not the JSON expected; names the URL."""


class FetchTimeout(FetchError):
    """The remote server did not answer within the timeout."""


class StoreUnavailable(StoreError):
    """The store cannot take results now (down, timeout, 5xx, credentials): retry later."""


class StoreRejected(StoreError):
    """The store refused these results as bad data (HTTP 4xx): never retry them as they are."""
