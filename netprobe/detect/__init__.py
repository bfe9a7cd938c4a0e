"""Statistics only: arrays in, change points and tests out. No I/O, no config, no clock."""

from netprobe.detect.segment import segment

__all__ = ["segment"]
