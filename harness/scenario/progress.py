"""What ``harness run`` shows while it works: per variant and step, elapsed time and events so far.

On a terminal a live line (rich) is redrawn in place; otherwise (CI logs, pipes) plain lines are
written when something changes: a variant starts or ends, a step starts.  Scenario text (step
descriptions come from the file) is shown escaped, never as markup.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text


class RunDisplay:
    def __init__(self, events: Callable[[], int], *, live: bool | None = None) -> None:
        self._events = events
        self._console = Console(stderr=True, highlight=False)
        self._live_wanted = sys.stderr.isatty() if live is None else live
        self._live: Live | None = None
        self._variant = ""
        self._step = ""
        self._started = time.monotonic()

    def _line(self) -> Text:
        elapsed = time.monotonic() - self._started
        return Text(f"{self._variant:<16} {elapsed:6.1f}s  {self._events():>8} events  {self._step}")

    def variant_started(self, name: str, number: int, total: int) -> None:
        self._variant, self._step, self._started = name, "resetting the phone", time.monotonic()
        if self._live_wanted:
            self._live = Live(self._line(), console=self._console, refresh_per_second=4,
                              get_renderable=self._line, transient=True)
            self._live.start()
        else:
            self._console.print(Text(f"run: variant {name} ({number}/{total})"))

    def step(self, text: str) -> None:
        self._step = text
        if self._live is None:
            self._console.print(Text(f"run: {self._variant}: {text}"))

    def variant_ended(self, status: str, reason: str | None) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        elapsed = time.monotonic() - self._started
        detail = f": {reason}" if reason else ""
        self._console.print(Text(f"run: variant {self._variant} {status} after {elapsed:.1f}s, "
                                 f"{self._events()} events so far{detail}"))

    def note(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(Text(text))
        else:
            self._console.print(Text(text))
