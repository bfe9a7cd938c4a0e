"""How to measure: one module per tool, each answering the same small questions.

Every probe module has:

- ``NAME``: the word used in schedules (``tool = "iperf3"``) and stored with each result;
- ``TEST``: the test it performs (``throughput``, ``rtt`` or ``trace``);
- ``can_run(spec) -> list[str]``: every reason it cannot run this spec (empty when it can);
- ``duration(spec) -> float``: seconds it holds the path, what the scheduler locks on;
- ``run(spec) -> list[Result]``: run it now, one Result per direction measured; a failed
  run is a Result with a failure status, never an exception;
- ``parse(text, spec, ...) -> list[Result]``: pure parsing of the tool's own output.
"""

from types import ModuleType

PROBES: dict[str, ModuleType] = {}
"""Built-in probe modules by NAME; filled below as each tool module lands."""

from netprobe.probes import iperf3  # noqa: E402

PROBES["iperf3"] = iperf3

from netprobe.probes import ping, trace  # noqa: E402

PROBES["ping"] = ping
PROBES["traceroute"] = trace
