"""`netprobe receive`: accept the results pScheduler's http archiver POSTs, into the store."""

import os
import ssl
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.config import load_config
from netprobe.errors import ConfigError
from netprobe.ingest.receiver import MAX_BODY, Receiver

TOKEN_ENV = "NETPROBE_RECEIVER_TOKEN"
"""Environment variable holding the bearer token when no --token-file is given."""
REJECTED_FILE = "receiver-rejected.jsonl"
"""Where refused bodies are kept, in the site's state_dir."""


def read_token(token_file: Path | None, environ: dict[str, str]) -> str:
    """The bearer token: the first line of ``token_file``, else $NETPROBE_RECEIVER_TOKEN.

    Raises:
        ConfigError: when neither gives a non-empty token.
    """
    if token_file is not None:
        try:
            lines = token_file.read_text().splitlines()
        except OSError as exc:
            raise ConfigError(f"--token-file {token_file}: {exc.strerror}") from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise ConfigError(f"--token-file {token_file}: the first line is empty")
        return token
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"a token is required: --token-file FILE or ${TOKEN_ENV}")
    return token


def server_tls(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """The TLS context of ``--cert``/``--key`` (the key may sit in the certificate's file),
    or None for plain HTTP.

    Raises:
        ConfigError: a key without a certificate, or files TLS cannot load.
    """
    if cert is None:
        if key is not None:
            raise ConfigError("--key needs --cert (the certificate it belongs to)")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        what = f"--cert {cert}" + (f" --key {key}" if key else "")
        raise ConfigError(
            f"{what}: cannot load the certificate and its private key as PEM ({exc})"
        ) from None
    return context


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter(f"{text!r}: expected ADDR:PORT", param_hint="--listen")
    return host.strip("[]") or "0.0.0.0", int(port)


@click.command()
@click.option("--listen", required=True, metavar="ADDR:PORT", help="Address and port to serve on.")
@config_option
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"File whose first line is the bearer token senders present [default: ${TOKEN_ENV}].",
)
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM certificate (chain) to serve HTTPS with; without it, plain HTTP.",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM private key of --cert [default: in the --cert file].",
)
def receive(
    listen: str,
    config_path: Path | None,
    token_file: Path | None,
    cert: Path | None,
    key: Path | None,
) -> None:
    """Accept results that perfSONAR hosts archive with pScheduler's `http` archiver.

    \b
    On each perfSONAR host, an archive specification such as:
      {"archiver": "http", "data": {"schema": 3, "_url": "https://HOST:PORT/",
       "op": "put", "verify-ssl": true,
       "_headers": {"Authorization": "Bearer TOKEN"}}}

    With --cert (and --key) the receiver speaks HTTPS only; the token then never crosses
    the network in clear. pScheduler's archiver verifies the certificate only with
    "verify-ssl": true (its schema 3), against the host's system CAs.

    Each POST or PUT must carry `Authorization: Bearer TOKEN` (401 otherwise). The body (at most
    1 MiB, 413 beyond) is validated: a bad one gets 400 with the reason and is kept in
    STATE_DIR/receiver-rejected.jsonl. A result is acknowledged (201) only once the store
    holds it; a body sent again is stored once. Runs until interrupted.
    """
    address = _address(listen)
    token = read_token(token_file, dict(os.environ))
    tls = server_tls(cert, key)
    config = load_config(config_path)
    configured_store(config).close()  # fail now, not at the first POST
    try:
        server = Receiver(
            address,
            token=token,
            open_store=lambda: configured_store(config),
            rejected=config.site.state_dir / REJECTED_FILE,
            max_body=MAX_BODY,
            tls=tls,
        )
    except OSError as exc:
        raise ConfigError(f"--listen {listen}: {exc.strerror}") from None
    host, port = server.server_address[:2]
    scheme = "https" if tls else "http"
    click.echo(f"receiving on {host}:{port} ({scheme}, site {config.site.name})", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
