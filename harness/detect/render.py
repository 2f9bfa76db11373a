"""A readable table of findings for the terminal.

Everything in a finding except its type may come from the capture, which is hostile: cells are
built as ``rich.text.Text`` (never parsed as markup) and control characters are shown escaped, so
captured text can neither style the table nor move the cursor.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.detect.detector import Finding

_MAX_CELL = 80


def safe_text(value: str | None) -> Text:
    """Literal text with control and other non-printable characters escaped, long values cut."""
    if value is None:
        return Text("-")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                    for c in value)
    if len(shown) > _MAX_CELL:
        shown = shown[: _MAX_CELL - 1] + "…"
    return Text(shown)


def print_table(findings: Sequence[Finding], items_read: int, console: Console | None = None) -> None:
    # Piped output gets a wide table rather than rich's 80 columns, so values stay on one line.
    width = None if sys.stdout.isatty() else 200
    console = console or Console(file=sys.stdout, highlight=False, soft_wrap=False, width=width)
    if not findings:
        console.print(Text(f"No findings in {items_read} egress items."))
        return
    table = Table(title=Text(f"{len(findings)} findings in {items_read} egress items"))
    for column in ("source", "type", "value", "encoding", "where", "host", "party", "tracker", "confidence"):
        table.add_column(column)
    for finding in findings:
        table.add_row(
            Text(str(finding.source)),
            Text(finding.type, style="bold" if finding.confidence == "canary" else ""),
            safe_text(finding.canary),
            safe_text(finding.encoding),
            safe_text(finding.where),
            safe_text(finding.host),
            safe_text(finding.party),
            safe_text(finding.tracker),
            Text(finding.confidence, style="red" if finding.confidence == "canary" else "yellow"),
        )
    console.print(table)
