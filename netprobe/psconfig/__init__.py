"""pSConfig template → the netprobe schedule of one host (TOML text), and what did not fit.

A pSConfig template says who tests whom: ``addresses``, ``groups`` that pair them
(``mesh``: every ordered pair; ``disjoint``: A×B, both ways unless ``unidirectional``;
``list``: one address at a time), ``tests`` whose spec refers to the pair through
``{% address[N] %}`` placeholders, ``schedules`` (ISO 8601 ``repeat``, ``slip``) and
``tasks`` joining a group, a test and a schedule. ``translate`` keeps the pairs that
involve the given host and writes one netprobe probe per pair from that host's side:
a throughput test towards the host becomes a ``reverse`` probe. Anything it cannot
express (other test types, options without an equivalent, placeholders it does not know,
archives, includes) is returned in a list, never dropped silently.
"""

from collections.abc import Mapping
from typing import Any

from netprobe.errors import DocumentError
from netprobe.psconfig.groups import is_site
from netprobe.psconfig.plan import Plan
from netprobe.psconfig.shapes import check_shapes, table
from netprobe.psconfig.tasks import add_task
from netprobe.psconfig.toml import format_duration, format_rate, toml_key, toml_value

__all__ = ["format_duration", "format_rate", "toml_key", "toml_value", "translate"]


def translate(
    template: Any,
    site: str,
    *,
    origin: str = "pSConfig template",
    lead: str | None = None,
) -> tuple[str, list[str]]:
    """Write the netprobe schedule (TOML text, schema 1) of the tests involving ``site``.

    Args:
        template: the decoded pSConfig JSON template.
        site: the host to write the schedule for: an address name, an ``address``
            value, a ``host`` name, or a labelled address of the template.
        origin: where the template came from (file or URL), written in the header comment.
        lead: the URL of a pScheduler lead (usually the site's own) to run every test
            through: a ``[pscheduler]`` table and ``engine = "pscheduler"`` endpoints.

    Returns:
        ``(toml_text, untranslated)``: the schedule, and one line per thing of the
        template that involves ``site`` and that the schedule does not express.

    Raises:
        DocumentError: the template is not an object, refers to what it does not define
            in a way that stops translation, or ``site`` is none of its hosts.
    """
    if not isinstance(template, Mapping):
        raise DocumentError(f"template: expected a JSON object, got {type(template).__name__}")
    check_shapes(template)
    addresses = table(template, "addresses")
    if not any(is_site(addresses, name, site) for name in addresses):
        known = ", ".join(sorted(addresses)[:8]) + (", ..." if len(addresses) > 8 else "")
        raise DocumentError(f"site: {site!r} is none of the template's addresses ({known})")
    plan = Plan(site, lead)
    for key in ("includes", "address-classes", "subtasks", "contexts"):
        if template.get(key):
            plan.skip(f"{key}: not translated (netprobe reads the template's own tables only)")
    for name, task in table(template, "tasks").items():
        add_task(template, name, task, plan)
    holders = [*table(template, "tasks").values(), *table(template, "hosts").values()]
    if any(isinstance(h, Mapping) and h.get("archives") for h in holders):
        plan.skip("archives: not translated (netprobe keeps results in its own store)")
    return plan.render(origin), plan.untranslated
