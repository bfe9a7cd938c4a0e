"""Reverse traces: traceroutes that ran from a link's far end back to the site.

Trace probes run from the site: their results are the forward path (a ``reverse`` trace
probe, run in the endpoint's namespace in the lab, is stored as the reverse one). A trace
made at the far end (by its perfSONAR host, brought in with ``netprobe import``) is stored
with the far end as its source (``site``, ``context["source_address"]``) and the site as
its destination (``endpoint``, ``context["destination_address"]``). Pure.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace

from netprobe.model import Direction, Endpoint, Result


def reverse_traces(
    results: Iterable[Result],
    *,
    site: str,
    site_names: Iterable[str | None],
    endpoint: Endpoint,
) -> list[Result]:
    """The traces among ``results`` that ran from ``endpoint`` to the site, as netprobe's own.

    Args:
        results: stored results of any test (others are skipped), oldest first.
        site: the site's name.
        site_names: how the site may be named as a destination (its name, its address).
        endpoint: the far end; a trace whose source is its name or host ran from it.

    Returns:
        Those traces, in the same order, as a ``reverse`` trace probe stores them: ``site``
        the site, ``endpoint`` the endpoint's name, ``direction = Direction.REVERSE`` (data
        from the endpoint to the site); the context keeps the addresses the archive gave.
    """
    near = _names([site, *site_names])
    far = _names((endpoint.name, endpoint.host))
    return [
        replace(r, direction=Direction.REVERSE, site=site, endpoint=endpoint.name)
        for r in results
        if r.test == "trace"
        and _names((r.site, r.context.get("source_address"))) & far
        and _names((r.endpoint, r.context.get("destination_address"))) & near
    ]


def _names(values: Sequence[object] | Iterable[object]) -> set[str]:
    """Host names and addresses compared without case and trailing dot."""
    return {str(v).lower().rstrip(".") for v in values if v}


def trace_ends(trace: Result) -> tuple[str, str]:
    """Where a stored trace ran from and to: site → endpoint, or back for a reverse one."""
    if trace.direction is Direction.REVERSE:
        return trace.endpoint, trace.site
    return trace.site, trace.endpoint
