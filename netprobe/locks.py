"""Locks that keep runs apart: one ``netprobe run`` at a time, one throughput test per endpoint.

Each lock is an exclusive ``flock`` on a file in the site's ``state_dir``. The kernel
drops a flock when its process dies, however it dies, so a killed run never leaves a
stale lock behind, and nothing ever needs to delete a lock file (deleting one while
another process waits on it would let two holders in). The holder writes its pid and
start time into the file, only so that a refusal can say who holds it.

    with RunLock(config.site.state_dir):                          # LockBusy at once if taken
        with EndpointLock(config.site.state_dir, "ncsa", wait=60):  # waits up to 60 s
            ...run a throughput test to "ncsa"...
"""

import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from netprobe.config_values import NAME_PATTERN
from netprobe.errors import ConfigError, LockBusy

_POLL = 0.2  # seconds between attempts while waiting: flock has no timeout of its own
_HOLDER_WRITE = 1.0  # seconds a refusal waits for a holder that has just won the lock to sign it


class FileLock:
    """An exclusive, non-blocking (or briefly waiting) flock on ``path``.

    Args:
        path: the lock file; its folder is created if missing.
        what: what the lock protects, for the refusal message.
        wait: seconds to keep trying before giving up; 0 refuses at once.
    """

    def __init__(self, path: Path, what: str, wait: float = 0.0) -> None:
        self.path, self.what, self.wait = Path(path), what, wait
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, waiting at most ``wait`` seconds.

        Raises:
            LockBusy: another process holds it (the message names the holder and the file).
            ConfigError: the lock file cannot be created (the state folder is not writable).
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_CLOEXEC: a tool we start (iperf3) must not inherit the lock and keep it
            # alive after we die.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the lock file {self.path}: {exc.strerror}; expected a writable "
                "[site] state_dir"
            ) from None
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    waited = f" after waiting {self.wait:g}s" if self.wait else ""
                    holder = self._signed_holder() or "another process"
                    raise LockBusy(
                        f"{self.what} is held by {holder}{waited} (lock file {self.path})"
                    ) from None
                time.sleep(min(_POLL, max(deadline - time.monotonic(), 0.0)))
        os.ftruncate(fd, 0)
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()} since {since}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (closing the file releases the flock); harmless if not held."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str | None:
        """What the holder wrote in the lock file (``pid 123 since ...``), if readable."""
        try:
            return self.path.read_text().strip() or None
        except OSError:
            return None

    def _signed_holder(self) -> str | None:
        """The holder's signature, waiting briefly if it won the lock but has not written yet."""
        give_up = time.monotonic() + _HOLDER_WRITE
        while (holder := self.holder()) is None and time.monotonic() < give_up:
            time.sleep(0.02)
        return holder

    def __enter__(self) -> "FileLock":
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class RunLock(FileLock):
    """The lock a ``netprobe run`` holds for its whole life: ``STATE_DIR/run.lock``, no waiting."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(
            Path(state_dir) / "run.lock", "the run lock (another `netprobe run` is going)"
        )


class EndpointLock(FileLock):
    """The lock of throughput tests to one endpoint: ``STATE_DIR/endpoint-NAME.lock``.

    Raises:
        ValueError: ``endpoint`` is not a configuration name (it becomes a file name).
    """

    def __init__(self, state_dir: Path, endpoint: str, wait: float = 0.0) -> None:
        if not NAME_PATTERN.match(endpoint):
            raise ValueError(f"expected an endpoint name, got {endpoint!r}")
        super().__init__(
            Path(state_dir) / f"endpoint-{endpoint}.lock",
            f"the throughput lock of endpoint {endpoint!r}",
            wait,
        )
