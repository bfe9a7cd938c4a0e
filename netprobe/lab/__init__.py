"""A real test network on this machine: namespaces, veth links, tc shaping, iperf3 servers."""
