"""The canary-seeding check: one throwaway contact written, read back and removed.

It goes through the runner's own seeding code (``harness.device.seed.Seeder``, what
``harness.scenario.canary_seed`` uses) and never leaves the contact behind: it is removed in a
``finally`` by its id, or, when the insert failed half-way, by its name above the highest id seen
before, and the check fails if it can still be read after that.
"""

from __future__ import annotations

import re
import secrets

from harness.device.seed import CONTACT_DATA, MIME_NAME, RAW_CONTACTS, SeededContact, sql_text
from harness.doctor.context import Context
from harness.doctor.model import Check, failed, passed
from harness.errors import HarnessError

PROBE_NAME = "Harness Doctor Probe"
_RAW_ID = re.compile(r"\braw_contact_id=(\d+)")
SEED_FIX = ("unlock the phone once after boot (contacts live in credential-encrypted storage) and make sure "
            "Contacts Storage (com.android.providers.contacts) is enabled; the detail names the failing command")


def _read_back(ctx: Context, name: str) -> list[int]:
    """Raw contact ids holding a name row ``name``."""
    where = f"mimetype={sql_text(MIME_NAME)} AND data1={sql_text(name)}"
    out = ctx.device.shell(["content", "query", "--uri", CONTACT_DATA, "--projection", "raw_contact_id",
                            "--where", where], timeout=30).stdout
    return sorted({int(m[1]) for m in _RAW_ID.finditer(out)})


def canary_seeding_check(ctx: Context) -> Check:
    seeder = ctx.device.seed
    name = f"{PROBE_NAME} {secrets.token_hex(4)}"
    contact: SeededContact | None = None
    result: Check | None = None
    after, attempted = 0, False
    try:
        after = seeder.highest_id(RAW_CONTACTS)
        attempted = True
        contact = seeder.add_contact(name)
        found = _read_back(ctx, name)
        if contact.raw_contact_id not in found:
            result = failed("canary-seeding", f"a contact was written (raw contact {contact.raw_contact_id}) but "
                                              f"cannot be read back (found: {found or 'nothing'})", SEED_FIX)
    except HarnessError as exc:
        result = failed("canary-seeding", f"writing a contact failed: {exc}", SEED_FIX)
    finally:
        left: list[int] = []
        cleanup_error = ""
        if attempted:
            try:
                if contact is not None:
                    seeder.remove_contact(contact)
                seeder.remove_contact_matching(MIME_NAME, name, after=after)   # a half-done insert, too
                left = _read_back(ctx, name)
            except HarnessError as exc:
                left, cleanup_error = [-1], f"({exc})"
    if left:
        return failed("canary-seeding", f"the probe contact {name!r} could not be removed {cleanup_error}".strip(),
                      f"delete the contact named {name!r} in the Contacts app")
    if result is not None:
        return result
    return passed("canary-seeding", "a contact was written, read back and removed (content insert/query/delete)")
