"""How to measure: one module per tool, each answering the same small questions.

Every probe module has:

- ``NAME``: the word used in schedules (``tool = "iperf3"``) and stored with each result;
- ``TEST``: the test it performs (``throughput``, ``rtt`` or ``trace``; ``any`` for the
  pScheduler engine, which runs the probe's own test through a lead);
- ``can_run(spec) -> list[str]``: every reason it cannot run this spec (empty when it can);
- ``duration(spec) -> float``: seconds it holds the path, what the scheduler locks on;
- ``run(spec) -> list[Result]``: run it now, one Result per direction measured; a failed
  run is a Result with a failure status, never an exception;
- ``parse(text, spec, ...) -> list[Result]``: pure parsing of the tool's own output.
"""

from types import ModuleType

from netprobe.model import ProbeSpec

PROBES: dict[str, ModuleType] = {}
"""Built-in probe modules by NAME; filled below as each tool module lands."""

from netprobe.probes import iperf3  # noqa: E402

PROBES["iperf3"] = iperf3

from netprobe.probes import ping, trace  # noqa: E402

PROBES["ping"] = ping
PROBES["traceroute"] = trace

from netprobe.probes import pscheduler  # noqa: E402

PROBES["pscheduler"] = pscheduler


def module_for(tool: str, spec: ProbeSpec) -> ModuleType:
    """The module that runs ``spec``: the pScheduler engine when it has a lead, else ``tool``'s.

    Raises:
        KeyError: ``tool`` is not a registered probe module.
    """
    return PROBES["pscheduler"] if spec.lead is not None else PROBES[tool]
