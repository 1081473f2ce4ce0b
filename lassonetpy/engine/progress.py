"""Progress bars through tqdm (``tqdm.auto``: a widget in Jupyter, text on stderr elsewhere).

The engine talks to one small interface, :class:`Progress` (``update``, ``set_total``,
``close``), so the bar library is a detail of this module. Why tqdm and not a hand-written
bar: it is the maintained standard (rate, elapsed/remaining time, terminal width, notebook
widgets, ``TQDM_DISABLE``), and the brief prefers a maintained library to hand-written code.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Progress"]


class Progress:
    """Progress over a known number of steps, drawn by ``tqdm.auto`` on stderr.

    ``enabled=False`` creates no bar at all (nothing is printed and tqdm is not imported).

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        Label shown before the bar (``"path"``, ``"tasks"``).
    enabled : bool
        Draw anything at all (the ``verbose`` switch of the front ends).

    Examples
    --------
    >>> bar = Progress(3, "path", enabled=False)
    >>> bar.update(1, "lambda=0.5 max features=12")
    >>> bar.n, bar.total
    (1, 3)
    >>> bar.close()
    """

    def __init__(self, total: int, desc: str, enabled: bool = True) -> None:
        self._n = 0
        self._total = max(int(total), 1)
        self.desc = desc
        self.note = ""
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self._total,
                desc=desc,
                file=sys.stderr,
                leave=True,
                dynamic_ncols=True,
                mininterval=0.1,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                "[{elapsed}<{remaining}] {postfix}",
            )

    @property
    def n(self) -> int:
        """Steps done."""
        return self._n

    @property
    def total(self) -> int:
        """Steps expected."""
        return self._total

    def update(self, k: int = 1, note: str = "") -> None:
        """Advance by ``k`` steps; ``note`` (e.g. the lambda and features left) follows the bar.

        Parameters
        ----------
        k : int
            Steps done since the last call (0 only changes the note).
        note : str
            Text shown after the bar; the previous note stays when empty.
        """
        k = max(0, min(int(k), self._total - self._n))
        self._n += k
        if note:
            self.note = note
        if self._bar is not None:
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(k)
            if k == 0:
                self._bar.refresh()

    def set_total(self, total: int) -> None:
        """Change the number of steps (the path may end early or be extended).

        Parameters
        ----------
        total : int
            New number of steps; never below the steps already done.
        """
        self._total = max(int(total), self._n, 1)
        if self._bar is not None:
            self._bar.total = self._total
            self._bar.refresh()

    def close(self) -> None:
        """Finish the bar (its final state stays on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
