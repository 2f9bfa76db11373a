"""``android.content.Intent`` as system_server sees one: what ``am`` sends and receivers get."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FLAG_EXCLUDE_STOPPED_PACKAGES = 0x00000010
FLAG_INCLUDE_STOPPED_PACKAGES = 0x00000020
FLAG_RECEIVER_INCLUDE_BACKGROUND = 0x01000000
FLAG_RECEIVER_FROM_SHELL = 0x00400000
FLAG_RECEIVER_NO_ABORT = 0x08000000
FLAG_RECEIVER_FOREGROUND = 0x10000000
FLAG_RECEIVER_REPLACE_PENDING = 0x20000000
FLAG_RECEIVER_REGISTERED_ONLY = 0x40000000
FLAG_ACTIVITY_NEW_TASK = 0x10000000

#: Intent.parseCommandArgs's options that set a flag.
FLAG_OPTIONS = {
    "--exclude-stopped-packages": FLAG_EXCLUDE_STOPPED_PACKAGES,
    "--include-stopped-packages": FLAG_INCLUDE_STOPPED_PACKAGES,
    "--receiver-registered-only": FLAG_RECEIVER_REGISTERED_ONLY,
    "--receiver-replace-pending": FLAG_RECEIVER_REPLACE_PENDING,
    "--receiver-foreground": FLAG_RECEIVER_FOREGROUND,
    "--receiver-no-abort": FLAG_RECEIVER_NO_ABORT,
    "--receiver-include-background": FLAG_RECEIVER_INCLUDE_BACKGROUND,
}


@dataclass
class Intent:
    action: str | None = None
    categories: list[str] = field(default_factory=list)
    data: str | None = None
    mime_type: str | None = None
    flags: int = 0
    package: str | None = None
    component: tuple[str, str] | None = None    # (package, class as given: ".Main" or full)
    extras: dict[str, str] = field(default_factory=dict)

    def with_flags(self, flags: int) -> Intent:
        """A copy with ``flags`` added (what ActivityManagerService does to the intent it was given)."""
        return replace(self, flags=self.flags | flags, categories=list(self.categories), extras=dict(self.extras))

    def short(self) -> str:
        """Intent.toShortString: act, cat, dat, typ, flg, pkg, cmp, (has extras)."""
        parts = []
        if self.action:
            parts.append(f"act={self.action}")
        if self.categories:
            parts.append(f"cat=[{','.join(self.categories)}]")
        if self.data:
            parts.append(f"dat={self.data}")
        if self.mime_type:
            parts.append(f"typ={self.mime_type}")
        if self.flags:
            parts.append(f"flg=0x{self.flags:x}")
        if self.package:
            parts.append(f"pkg={self.package}")
        if self.component:
            parts.append(f"cmp={self.component[0]}/{self.component[1]}")
        if self.extras:
            parts.append("(has extras)")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"Intent {{ {self.short()} }}"
