"""The "Where" section as plain text parts, shared by the HTML and Markdown pages.

Pure: a `Where` in, sentences and table rows out (the renderers escape them).
"""

from netprobe.localize.evidence import Where
from netprobe.units import format_time

HEADER = ["link", "state", "degraded since", "crosses the suspect", "traced path"]
_STATE = {True: "degraded", False: "healthy", None: "unknown"}


def sentences(where: Where | None) -> list[str]:
    """What the suspect is and how sure, then test points, route changes and links left out."""
    if where is None:
        return ["Localization was not run for this report."]
    out = []
    for name, s in where.suspects.items():
        fits = (
            "the only explanation that fits"
            if s.candidates == 1
            else f"{s.candidates} explanations fit the evidence equally well"
        )
        out.append(f"Suspect for {name}: {'; '.join(s.segments)} ({fits}, p {s.probability:.2f}).")
        if s.contradicts:
            out.append(f"Healthy although crossing it: {', '.join(s.contradicts)}.")
    if not where.suspects:
        out.append(
            "No suspect segment: no direction of this link is both degraded and placed on a "
            "traced path."
        )
    out += [f"A test point would separate them: {p}." for p in where.test_points]
    out += [f"Route change coinciding with the degradation: {c}." for c in where.route_changes]
    out += [f"Left out: {link}, {why}." for link, why in where.left_out.items()]
    return out


def rows(where: Where | None) -> list[list[str]]:
    """One row per placed link: its state, since when, whether it crosses the suspect, path."""
    if where is None:
        return []
    return [
        [
            s.name,
            _STATE[s.degraded],
            format_time(s.since) if s.since else "-",
            "yes" if s.suspect else "no",
            " → ".join(h.address or "*" for h in s.hops) or "-",
        ]
        for s in where.links
    ]
