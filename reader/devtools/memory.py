"""This process's memory, from Linux's /proc/self/status (for the benchmarks)."""

from __future__ import annotations


def status_mb(field: str) -> float | None:
    """A /proc/self/status figure in MB ("VmRSS", "VmHWM" ...); None where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
