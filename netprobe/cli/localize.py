"""`netprobe localize`: which segment of the paths explains the links that degraded."""

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import TimeOrAgo
from netprobe.config import load_config


@click.command()
@config_option
@click.option("--since", type=TimeOrAgo(), help="Only results started at or after TIME.")
@click.option("--until", type=TimeOrAgo(), help="Only results before TIME. [default: now]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def localize(
    config_path: Path | None, since: datetime | None, until: datetime | None, as_json: bool
) -> None:
    """Rank the path segments that best explain which links degraded and which did not.

    Each link's state comes from `netprobe analyze` (degraded or below plan now, healthy,
    or unknown); its path from the trace probe nearest in time to its change. A segment
    crossed by every degraded link and by no healthy one is the prime suspect; when the
    evidence cannot separate several, they are named together with the test point that
    would: a configured test point (an endpoint with role = "test-point") whose state is
    not known yet, or else the hop where a new one is needed. Test points are evidence like
    any link: a healthy one clears the segments up to it, a degraded one implicates them.
    Segments named in [[segments]] are blamed by their names. A route change that
    coincides with a degradation is reported as a cause of its own. Method:
    docs/localize.md.

    \b
    Example:
      netprobe localize --config /etc/netprobe/site.toml --since 30d
    """
    from netprobe.locate import locate

    config = load_config(config_path)
    with configured_store(config, create=False) as store:
        located = locate(config, store, since=since, until=until)
    result = located.localization
    if as_json:
        body = asdict(result) | {
            "links": [asdict(e) for e in located.evidence],
            "left_out": located.left_out,
            "notes": located.notes,
        }
        click.echo(json.dumps(body, indent=2, default=str))
        return
    states = {True: "degraded", False: "healthy", None: "unknown"}
    for e in located.evidence:
        kind = "test point" if e.test_point else "link"
        click.echo(f"{kind} {e.name}: {states[e.degraded]}; path {' | '.join(e.segments)}")
    for link, why in located.left_out.items():
        click.echo(f"link {link}: left out, {why}")
    for note in located.notes:
        click.echo(f"note: {note}")
    if not result.candidates:
        click.echo("No link degraded: no suspect.")
        return
    click.echo(f"\n{result.indistinguishable} explanation(s) fit the evidence equally well.")
    for rank, candidate in enumerate(result.candidates[:5], start=1):
        blamed = " + ".join(" or ".join(c.names) for c in candidate.causes)
        click.echo(
            f"{rank}. {blamed}  (p {candidate.probability:.2f}; explains "
            f"{', '.join(candidate.explains) or '-'}; contradicted by "
            f"{', '.join(candidate.contradicts) or '-'})"
        )
    for point in result.test_points:
        split = f"would cross {', '.join(point.crosses)}, not {', '.join(point.misses)}"
        if point.name:
            click.echo(f"test point: probe the configured test point {point.name}: it {split}")
        else:
            click.echo(
                f"test point needed: a probe endpoint at {point.address or 'an unanswered hop'} "
                f"(after {point.after} on {point.link}) {split}"
            )
    for change in result.route_changes:
        click.echo(f"route change on {', '.join(change.links)}: {' '.join(change.names)}")
