"""A small JSON-over-HTTP(S) client for reading remote archives and templates (stdlib only).

TLS is verified by default; ``ca_file`` adds a CA (perfSONAR hosts often use their own);
``insecure`` turns verification off and the caller must say so loudly (``INSECURE_WARNING``).
Every failure (HTTP 4xx/5xx, TLS, timeout, refused connection, an answer that is not JSON)
is one ``FetchError`` line naming the method and URL (``FetchTimeout`` for a timeout).
"""

import base64
import http.client
import json
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netprobe import __version__
from netprobe.errors import ConfigError, FetchError, FetchTimeout

INSECURE_WARNING = (
    "WARNING: TLS certificate verification is OFF (--insecure): anyone on the path can "
    "read the credentials and forge the answers. Prefer --ca-file with the archive's CA."
)
"""What a command prints on stderr when it was asked to skip TLS verification."""

CLI_OPTIONS = {"ca_file": "--ca-file", "insecure": "--insecure", "timeout": "--timeout"}
"""How error messages name the settings that fix them: the import commands' options."""

TOKEN_ENV = "NETPROBE_ARCHIVE_TOKEN"
PASSWORD_ENV = "NETPROBE_ARCHIVE_PASSWORD"
"""Environment variables holding a bearer token, or the password for ``--user``."""


def authorization(
    *,
    user: str | None = None,
    password_file: Path | None = None,
    token_file: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> str | None:
    """The ``Authorization`` header value from a user and password, or a bearer token.

    Args:
        user: basic-auth user; its password comes from ``password_file``, else
            ``$NETPROBE_ARCHIVE_PASSWORD``.
        token_file: a file holding a bearer token; else ``$NETPROBE_ARCHIVE_TOKEN`` if set.
        environ: where the environment variables are read.

    Returns:
        ``"Basic …"``, ``"Bearer …"`` or None when no credential is given.

    Raises:
        ConfigError: a file cannot be read or is empty, a user without a password, or a
            password without a user.
    """
    password = _secret(password_file, environ.get(PASSWORD_ENV), "--password-file")
    if user is not None:
        if password is None:
            raise ConfigError(
                f"--user {user}: no password (give --password-file FILE or set ${PASSWORD_ENV})"
            )
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return f"Basic {pair}"
    if password_file is not None:
        raise ConfigError("--password-file needs --user")
    token = _secret(token_file, environ.get(TOKEN_ENV), "--token-file")
    return f"Bearer {token}" if token is not None else None


def _secret(path: Path | None, from_env: str | None, option: str) -> str | None:
    """A secret from a file (first line, stripped), else from the environment."""
    if path is None:
        return from_env.strip() if from_env and from_env.strip() else None
    try:
        lines = Path(path).read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{option} {path}: cannot read it ({exc})") from None
    if not lines or not lines[0].strip():
        raise ConfigError(f"{option} {path}: the file is empty")
    return lines[0].strip()


class JsonClient:
    """GET and POST JSON documents with one timeout, one TLS policy and one credential.

    Args:
        timeout: seconds to wait for the connection and for each read of the answer.
        ca_file: a PEM file of CA certificates trusted in addition to the system's.
        insecure: do not verify the server's certificate or name (never the default).
        authorization: the ``Authorization`` header value sent with every request.
        names: how messages name the ca_file, insecure and timeout settings.

    Raises:
        ConfigError: ``ca_file`` cannot be loaded.
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        ca_file: Path | None = None,
        insecure: bool = False,
        authorization: str | None = None,
        names: Mapping[str, str] = CLI_OPTIONS,
    ) -> None:
        self.timeout = timeout
        self.names = names
        self.insecure = insecure
        self._authorization = authorization
        self._tls = ssl.create_default_context()
        if ca_file is not None:
            try:
                self._tls.load_verify_locations(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"{names['ca_file']} {ca_file}: cannot load it as PEM ({exc})"
                ) from None
        if insecure:
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``url`` (with ``params`` as its query) and decode the JSON answer.

        Raises:
            FetchError: HTTP error, TLS failure, timeout, no connection, or not JSON.
        """
        if params:
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return _json(f"GET {url}", self._send("GET", url, None))

    def post(self, url: str, body: Any) -> Any:
        """POST ``body`` as JSON to ``url`` and decode the JSON answer.

        Raises:
            FetchError: HTTP error, TLS failure, timeout, no connection, or not JSON.
        """
        return _json(f"POST {url}", self._send("POST", url, json.dumps(body).encode()))

    def delete(self, url: str) -> None:
        """DELETE ``url``; the answer's body (often plain text) is not read as JSON.

        Raises:
            FetchError: HTTP error, TLS failure, timeout or no connection.
        """
        self._send("DELETE", url, None)

    def _send(self, method: str, url: str, data: bytes | None) -> bytes:
        """The answer's body.

        Raises:
            FetchError: HTTP error, TLS failure, timeout, no connection.
        """
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise FetchError(f"{url}: expected an http:// or https:// URL")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", f"netprobe/{__version__}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._authorization:
            request.add_header("Authorization", self._authorization)
        what = f"{method} {url}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._tls) as got:
                raw = got.read()
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{what}: HTTP {exc.code} {exc.reason}{_excerpt(exc)}") from None
        except urllib.error.URLError as exc:
            late = FetchTimeout if isinstance(exc.reason, TimeoutError) else FetchError
            raise late(f"{what}: {_reason(exc.reason, self.timeout, self.names)}") from None
        except TimeoutError:
            reason = _reason(TimeoutError(), self.timeout, self.names)
            raise FetchTimeout(f"{what}: {reason}") from None
        except (ssl.SSLError, OSError) as exc:
            raise FetchError(f"{what}: {_reason(exc, self.timeout, self.names)}") from None
        except http.client.HTTPException as exc:
            raise FetchError(f"{what}: broken HTTP answer ({type(exc).__name__}: {exc})") from None
        return raw


def _json(what: str, raw: bytes) -> Any:
    """The decoded JSON of an answer to ``what`` (``GET URL``).

    Raises:
        FetchError: the answer is not JSON.
    """
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        start = raw[:80].decode("utf-8", "replace")
        raise FetchError(f"{what}: the answer is not JSON ({exc}); it starts {start!r}") from None


def _excerpt(exc: urllib.error.HTTPError) -> str:
    """The start of an error answer's body, which often says why."""
    try:
        body = exc.read(300).decode("utf-8", "replace")
    except OSError:
        return ""
    body = " ".join(body.split())
    return f": {body[:200]}" if body else ""


def _reason(reason: object, timeout: float, names: Mapping[str, str]) -> str:
    """One line on why a connection failed: TLS, timeout, refused, or the system's words."""
    if isinstance(reason, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate not trusted ({reason.verify_message}): give the server's CA "
            f"with {names['ca_file']}, or (not recommended) {names['insecure']}"
        )
    if isinstance(reason, ssl.SSLError):
        return f"TLS failure ({reason.reason or reason})"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s (timeout; raise it with {names['timeout']})"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server's web server running on that port?)"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror})"
    return f"cannot connect ({reason})"
