"""Statistics only: arrays in, change points and tests out. No I/O, no config, no clock."""

from netprobe.detect.segment import penalty_value, segment

__all__ = ["penalty_value", "segment"]
