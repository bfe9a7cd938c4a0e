"""A real test network on this machine: namespaces, veth links, tc shaping, iperf3 servers.

``Lab(prefix="np-")`` builds it (``up``), reads it (``status``), shapes a link (``shape``)
and removes it (``down``); ``topology`` holds the fixed plan of names and addresses.
"""

from netprobe.lab.control import Lab
from netprobe.lab.shaping import Shaping
from netprobe.lab.status import LabStatus

__all__ = ["Lab", "LabStatus", "Shaping"]
