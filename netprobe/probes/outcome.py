"""What ping and traceroute share: running them, reading their error words, where they run."""

import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from netprobe.errors import ProbeError
from netprobe.model import ProbeSpec, Result, Status
from netprobe.probes.process import run_tool

_RESOLVE = re.compile(
    r"name or service not known|temporary failure in name resolution|"
    r"no address associated with hostname|unknown host|cannot resolve",
    re.IGNORECASE,
)
_UNREACHABLE = re.compile(r"network is unreachable|no route to host", re.IGNORECASE)


def classify(message: str) -> Status:
    """The failure status a tool's error message means: RESOLVE_FAILED, UNREACHABLE, or
    TOOL_ERROR for anything else."""
    if _RESOLVE.search(message):
        return Status.RESOLVE_FAILED
    if _UNREACHABLE.search(message):
        return Status.UNREACHABLE
    return Status.TOOL_ERROR


def first_line(*texts: str) -> str:
    """The first non-empty line among ``texts`` (the tool's own words), or ``""``."""
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return line.strip()
    return ""


def where_reasons(spec: ProbeSpec, program: str) -> list[str]:
    """Why ``program`` cannot run for ``spec`` here: missing, or a namespace that is not
    there or needs root."""
    reasons = []
    if shutil.which(program) is None:
        reasons.append(f"{program} is not installed")
    if spec.netns:
        if not (Path("/run/netns") / spec.netns).exists():
            reasons.append(f"network namespace {spec.netns!r} does not exist")
        elif os.geteuid() != 0:
            reasons.append(f"running in network namespace {spec.netns!r} needs root")
    return reasons


def run_text_tool(
    spec: ProbeSpec,
    argv: list[str],
    *,
    reasons: list[str],
    deadline: float,
    parse: Callable[..., list[Result]],
) -> list[Result]:
    """Run a text-printing tool (ping, traceroute) for ``spec`` and parse what it printed.

    Raises:
        ProbeError: ``reasons`` (from the module's can_run) say it cannot run here.
    """
    if reasons:
        raise ProbeError("; ".join(reasons))
    started = datetime.now(UTC)
    done = run_tool(argv, deadline=deadline, netns=spec.netns)
    return parse(
        done.stdout,
        spec,
        stderr=done.stderr,
        returncode=done.returncode,
        started=started,
        ended=datetime.now(UTC),
        argv=done.argv,
    )
