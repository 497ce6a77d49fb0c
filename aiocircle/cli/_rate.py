"""Sizes and throughput as the command line prints them, with or without rich.

Throughput is one definition everywhere: bytes over the wall time the harvest has taken so
far. The progress bar and the demo's summary both use it, so they agree.
"""

from __future__ import annotations

_UNITS = ("kB", "MB", "GB", "TB", "PB")


def format_size(size: float) -> str:
    """``884 B``, ``24.9 MB``: decimal units (1 kB = 1000 bytes), one decimal."""
    if size < 1000:
        return f"{int(size)} B"
    for unit in _UNITS:
        size /= 1000
        if size < 999.95 or unit == _UNITS[-1]:
            break
    return f"{size:.1f} {unit}"


def throughput(size: int, seconds: float) -> float:
    """Bytes per second over ``seconds`` of wall time; 0 before any time has passed."""
    return size / seconds if seconds > 0 else 0.0


def format_rate(size: int, seconds: float) -> str:
    """``31.1 MB/s``: :func:`throughput` as text."""
    return f"{format_size(throughput(size, seconds))}/s"
