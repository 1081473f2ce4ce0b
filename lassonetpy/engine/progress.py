"""A minimal text progress bar on stderr (no dependency); silent when ``verbose=False``."""

from __future__ import annotations

import sys
import time


class Progress:
    """Progress over a known number of steps, redrawn at most 10 times a second.

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        Label shown before the bar.
    enabled : bool
        Draw anything at all.

    Examples
    --------
    >>> bar = Progress(3, "path", enabled=False)
    >>> bar.update(1, "12 features")
    >>> bar.close()
    """

    def __init__(self, total: int, desc: str, enabled: bool = True) -> None:
        self.total = max(int(total), 1)
        self.desc = desc
        self.enabled = enabled
        self.n = 0
        self.t0 = time.perf_counter()
        self._last = 0.0
        self.note = ""

    def update(self, k: int = 1, note: str = "") -> None:
        """Advance by ``k`` steps; ``note`` is shown after the bar."""
        self.n = min(self.n + k, self.total)
        self.note = note or self.note
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.n == self.total):
            self._last = now
            self._draw(now)

    def set_total(self, total: int) -> None:
        """Change the number of steps (the path may end early or be extended)."""
        self.total = max(int(total), self.n, 1)

    def _draw(self, now: float) -> None:
        width = 28
        frac = self.n / self.total
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        el = now - self.t0
        sys.stderr.write(
            f"\r{self.desc:>6} [{bar}] {self.n}/{self.total} {el:5.1f}s {self.note}\x1b[K"
        )
        sys.stderr.flush()

    def close(self) -> None:
        """Finish the line."""
        if self.enabled:
            self._draw(time.perf_counter())
            sys.stderr.write("\n")
            sys.stderr.flush()
