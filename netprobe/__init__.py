"""netprobe: throughput probes, time series and change-point analysis for research links."""

__version__ = "0.1.0"
