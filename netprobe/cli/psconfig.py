"""`netprobe psconfig`: a pSConfig template (file or URL) → one site's schedule TOML."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from netprobe.config import load_config
from netprobe.errors import ConfigError, InputError
from netprobe.ingest.http import INSECURE_WARNING, JsonClient
from netprobe.psconfig import translate


@click.command("psconfig")
@click.argument("template")
@click.option("--site", required=True, help="The host to write the schedule for (name or address).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schedule to this file (checked first) instead of printing it.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for a template URL.",
)
@click.option(
    "--ca-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM file of the CA that signed the template server's certificate.",
)
@click.option("--insecure", is_flag=True, help="Do not verify the server's TLS certificate.")
@click.option(
    "--pscheduler",
    "lead",
    metavar="URL",
    help="Run every test through this pScheduler lead (usually https://SITE): the schedule "
    'gets a [pscheduler] table and engine = "pscheduler" endpoints.',
)
def psconfig(
    template: str,
    site: str,
    output: Path | None,
    timeout: float,
    ca_file: Path | None,
    insecure: bool,
    lead: str | None,
) -> None:
    """Translate the pSConfig TEMPLATE (a file or an http(s) URL) into SITE's schedule.

    Keeps the tests (throughput, rtt, trace) of mesh, disjoint and list groups that involve
    SITE, one probe per peer from SITE's side, with the template's intervals. What cannot be
    translated is listed on stderr, one line each, never dropped silently.

    \b
    Examples:
      netprobe psconfig /etc/perfsonar/psconfig/mesh.json --site ccperfsonar1.in2p3.fr
      netprobe psconfig https://mesh.example.org/psconfig.json --site lyon \\
          -o schedules/mesh.toml && netprobe schedule check --config schedules/mesh.toml
      netprobe psconfig mesh.json --site ccperfsonar1.in2p3.fr \\
          --pscheduler https://ccperfsonar1.in2p3.fr -o schedules/mesh.toml
    """
    if lead is not None and not lead.startswith(("http://", "https://")):
        raise click.BadParameter(f"{lead!r}: expected an http(s):// URL", param_hint="--pscheduler")
    if template.startswith(("http://", "https://")):
        if insecure:
            click.secho(INSECURE_WARNING, err=True, fg="red", bold=True)
        client = JsonClient(timeout=timeout, ca_file=ca_file, insecure=insecure)
        document = client.get(template)
    else:
        document = _read_file(Path(template))
    text, untranslated = translate(document, site, origin=template, lead=lead)
    for line in untranslated:
        click.echo(f"not translated: {line}", err=True)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_checked(output, text)
    click.echo(f"wrote {output} ({len(untranslated)} things not translated)", err=True)


def _read_file(path: Path) -> Any:
    """A JSON template from a file.

    Raises:
        InputError: unreadable, or not JSON (with the line and column).
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the template ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON pSConfig template ({exc})") from None


def _write_checked(output: Path, text: str) -> None:
    """Write ``text`` to ``output`` only once it loads as a netprobe configuration.

    Raises:
        ConfigError: the schedule does not load (a bug to report), or cannot be written.
    """
    folder = output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".psconfig-", suffix=".toml", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise ConfigError(f"-o {output}: cannot write there ({exc.strerror})") from None
    try:
        load_config(temporary)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
