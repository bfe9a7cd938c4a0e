"""What ping and traceroute share: reading a tool's error words, and where it can run."""

import os
import re
import shutil
from pathlib import Path

from netprobe.model import ProbeSpec, Status

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
