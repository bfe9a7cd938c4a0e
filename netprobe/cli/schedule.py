"""`netprobe schedule`: what runs when, and the cron or systemd entries that start it."""

import json
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option, warn_if_insecure
from netprobe.config import Config, Probe, config_path, load_config
from netprobe.schedule import jitter_offset, lock_seconds, needs_endpoint_lock, next_slot, run_at
from netprobe.units import parse_time

# cron's own PATH (/usr/bin:/bin) lacks the sbin folders where `ip` lives.
CRON_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


RECEIVE_PORT = 8085
"""The port the printed netprobe-receive.service listens on (edit the unit to change it)."""
RECEIVE_TOKEN = "/etc/netprobe/receiver.token"
"""The token file the printed netprobe-receive.service reads."""


@click.group()
def schedule() -> None:
    """Show the schedule and print the entries that start `netprobe run` every minute.

    `netprobe run` is meant to start once a minute (from cron or a systemd timer): it runs
    the probes that are due, records slots that were missed, and exits; a run that finds
    the previous one still going exits at once.
    """


@schedule.command("check")
@config_option
def check(config_path: Path | None) -> None:
    """Check the schedule files: every problem on its own line, exit 2; else a summary, exit 0.

    \b
    Before installing an edited file:  netprobe schedule check --config schedules/site.toml
    """
    config = load_config(config_path)
    warn_if_insecure(config)
    click.echo(
        f"ok: site {config.site.name}, {len(config.endpoints)} endpoints, "
        f"{len(config.links)} links, {len(config.probes)} probes from {_files(config)}"
    )


@schedule.command("cron")
@config_option
@click.option("--user", default="root", show_default=True, help="Account the run starts as.")
@click.option(
    "--crontab",
    is_flag=True,
    help="Print lines for a user's crontab (no user field; --user ignored) "
    "instead of an /etc/cron.d file.",
)
@click.option(
    "--log",
    type=click.Path(path_type=Path),
    default=Path("/var/log/netprobe.log"),
    show_default=True,
    help="File the run's output is appended to.",
)
@click.option("--netprobe", "program", help="Path of the netprobe program [default: this one].")
def cron(
    config_path: Path | None, user: str, crontab: bool, log: Path, program: str | None
) -> None:
    """Print an /etc/cron.d/netprobe file that runs the probes every minute.

    \b
    Install:  netprobe schedule cron --config /etc/netprobe > /etc/cron.d/netprobe
    or append to your own crontab (keeping what is there):
              (crontab -l; netprobe schedule cron --crontab --config ...) | crontab -

    An /etc/cron.d file is the default because it names the account (root, to run probes in
    network namespaces) and is one file a package or Ansible can own. Every path is absolute
    and paths inside the schedule files are taken from their own folder, so the line needs
    no `cd`. The configuration is checked first: a broken one is not installed.
    """
    config, command = _command(config_path, program)
    who = "" if crontab else f"{user} "
    target = "crontab" if crontab else "/etc/cron.d/netprobe"
    lines = [
        f"# {target}: written by `netprobe schedule cron`",
        f"# site {config.site.name}: {len(config.probes)} probes from {_files(config)}",
        CRON_PATH,
        f"* * * * * {who}{command} >> {log.absolute()} 2>&1",
    ]
    if not crontab:
        lines.insert(2, "SHELL=/bin/sh")
    click.echo("\n".join(lines))


@schedule.command("systemd")
@config_option
@click.option("--user", default="root", show_default=True, help="Account the run starts as.")
@click.option("--netprobe", "program", help="Path of the netprobe program [default: this one].")
def systemd(config_path: Path | None, user: str, program: str | None) -> None:
    """Print netprobe.service and netprobe.timer units that run the probes every minute,
    and netprobe-receive.service for `netprobe receive` (enable it only to receive).

    \b
    Install:  save each part under /etc/systemd/system/ (the comment line names the file),
              then: systemctl daemon-reload && systemctl enable --now netprobe.timer
    Output goes to the journal: journalctl -u netprobe

    The timer fires each minute (OnCalendar=minutely); Persistent=true starts a run at boot
    when a minute was missed while the host was down (the run then records the slots it
    missed). systemd never starts the service twice at once, so runs cannot overlap.
    """
    config, command = _command(config_path, program)
    _, receive = _command(config_path, program, "receive")
    receive += f" --listen 0.0.0.0:{RECEIVE_PORT} --token-file {RECEIVE_TOKEN}"
    click.echo(
        f"""\
# /etc/systemd/system/netprobe.service
[Unit]
Description=netprobe: run the probes that are due (site {config.site.name})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User={user}
ExecStart={command}

# /etc/systemd/system/netprobe.timer
[Unit]
Description=Start netprobe every minute

[Timer]
OnCalendar=minutely
AccuracySec=1s
Persistent=true

[Install]
WantedBy=timers.target

# /etc/systemd/system/netprobe-receive.service
[Unit]
Description=netprobe: receive pScheduler results (site {config.site.name})
Wants=network-online.target
After=network-online.target

[Service]
User={user}
# HTTPS (recommended: the token crosses the network): add --cert FILE --key FILE
ExecStart={receive}
Restart=on-failure

[Install]
WantedBy=multi-user.target"""
    )


@schedule.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per probe, in a list.")
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="Show the slots following TIME (2024-05-01T10:00Z, a date, epoch s) [default: now].",
)
def list_probes(config_path: Path | None, as_json: bool, at_text: str | None) -> None:
    """List every probe: its schedule, next slot, start time with jitter, and endpoint lock.

    ENGINE is where the test runs: local (the tool on this host) or pscheduler (through
    the [pscheduler] lead, which picks the tool). NEXT SLOT is the probe's nominal time
    (UTC); the run starts DELAY later, a fixed per-probe share of its jitter. LOCK is how
    long a throughput test holds its endpoint (no two run at once to one endpoint); "-"
    for tests that take no lock, or whose tool module is not installed.
    """
    config = load_config(config_path)
    try:
        now = parse_time(at_text) if at_text else datetime.now(UTC)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None
    rows = [_describe(config, probe, now) for probe in config.probes]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    headers = ["PROBE", "TEST", "TOOL", "ENGINE", "ENDPOINT", "SCHEDULE", "NEXT SLOT"]
    headers += ["DELAY", "LOCK"]
    table = [
        [
            r["probe"],
            r["test"],
            r["tool"],
            r["engine"],
            r["endpoint"],
            r["schedule"],
            r["next_slot"].replace("+00:00", "Z"),
            f"+{r['jitter_offset_s']:.0f}s",
            "-" if r["lock_seconds"] is None else f"{r['lock_seconds']:g}s",
        ]
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *table, strict=False)]
    for row in [headers, *table]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _describe(config: Config, probe: Probe, now: datetime) -> dict:
    slot = next_slot(probe, now)
    lock = lock_seconds(probe, config.spec(probe))
    return {
        "probe": probe.name,
        "test": probe.test,
        "tool": probe.tool,
        "engine": config.engine(probe),
        "endpoint": probe.endpoint,
        "schedule": f"every {_period(probe.every)}" if probe.every else f"cron {probe.cron.text}",
        "every_s": probe.every,
        "cron": probe.cron.text if probe.cron else None,
        "jitter_s": probe.jitter,
        "jitter_offset_s": jitter_offset(probe, config.site.name),
        "next_slot": slot.isoformat(),
        "run_at": run_at(probe, slot, config.site.name).isoformat(),
        "endpoint_lock": needs_endpoint_lock(probe),
        "lock_seconds": lock,
    }


def _command(path: Path | None, program: str | None, verb: str = "run") -> tuple[Config, str]:
    """Load (and so check) the configuration; the absolute `netprobe VERB` command line."""
    config = load_config(path)
    where = config_path(path).absolute()
    return config, f"{shlex.quote(program or _program())} {verb} --config {shlex.quote(str(where))}"


def _program() -> str:
    # The netprobe beside this interpreter is the one of this virtual environment.
    beside = Path(sys.executable).parent / "netprobe"
    if beside.exists():
        return str(beside.absolute())
    return shutil.which("netprobe") or "netprobe"


def _files(config: Config) -> str:
    return ", ".join(str(f.absolute()) for f in config.files)


def _period(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
