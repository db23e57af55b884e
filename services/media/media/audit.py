"""The media audit: stored files under the catalog's upload prefix that no live product media references.

The files under `MEDIA_ROOT/products/` are walked in the code-point order of their storage keys
(a folder sorts as its name plus `/`, exactly where its keys fall), so they merge with the
catalog's sorted listing of live keys in one pass, holding one folder's names at a time.
Symbolic links are neither followed nor removed, and nothing outside MEDIA_ROOT is touched.
A file modified at or after the run's cut-off is never touched (ripple_runtime.audit.run).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from media.handlers import safe_key
from ripple_runtime.audit.catalog_listing import AuditListing
from ripple_runtime.audit.command import Report
from ripple_runtime.audit.merge import outer_join
from ripple_runtime.audit.run import ORPHAN, AuditRun
from ripple_runtime.messaging.service import PermanentFailure

UPLOAD_PREFIX = "products"  # catalog.models.media_upload_to stores every upload under it
FIX_BATCH = 500


def stored_files(root: Path, counts) -> Iterator[tuple[str, float]]:
    """(storage key, mtime) of every regular file under `root/products`, in code-point order of the key."""
    base = root / UPLOAD_PREFIX
    if base.is_symlink() or not base.is_dir():
        return
    yield from _walk(str(base), UPLOAD_PREFIX, counts)


def _walk(folder: str, prefix: str, counts) -> Iterator[tuple[str, float]]:
    """The files of one folder and, in their place in key order, those of its subfolders."""
    with os.scandir(folder) as entries:
        listed = sorted(
            (entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name, entry.name)
            for entry in entries
        )
    for sort_key, name in listed:
        key, path = f"{prefix}/{name}", os.path.join(folder, name)
        if sort_key.endswith("/"):
            yield from _walk(path, key, counts)
            continue
        try:
            info = os.lstat(path)
            key.encode()  # a name that is not UTF-8 can be no catalog key; leave it to a person
        except FileNotFoundError:
            continue  # deleted while we walked
        except UnicodeEncodeError:
            counts["skipped_unreadable_names"] += 1
            continue
        if stat.S_ISREG(info.st_mode):
            yield key, info.st_mtime
        else:
            counts["skipped_links_and_special_files"] += 1


def remove(root: Path, keys: list[str], cutoff: float) -> list[str]:
    """Delete the files of these orphaned keys that are still regular files older than `cutoff`."""
    removed = []
    for key in keys:
        try:
            path = root / safe_key(key)
            info = os.lstat(path)
        except (PermanentFailure, FileNotFoundError):
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
            path.unlink()
            removed.append(key)
    return removed


def audit_files(run: AuditRun, listing: AuditListing, report: Report) -> str:
    """Report (and with `run.fix` remove) orphaned files; `repaired` receipts for what was removed."""
    root = Path(settings.MEDIA_ROOT).resolve()
    cutoff = run.cutoff.timestamp()
    counts = run.counts
    counts.update(dict.fromkeys(["files", "orphans", "removed", "newer_than_audit", "missing_files"], 0))
    live_keys = (key for key in listing.media_keys() if key.startswith(f"{UPLOAD_PREFIX}/"))
    pending: list[str] = []
    for stored, live in outer_join(stored_files(root, counts), live_keys, left_key=lambda file: file[0]):
        if stored is None:
            counts["missing_files"] += 1  # a live key without its file: the catalog's to answer for
            continue
        counts["files"] += 1
        report.checked()
        if live is not None:
            continue
        key, mtime = stored
        if mtime >= cutoff:
            counts["newer_than_audit"] += 1
            continue
        counts["orphans"] += 1
        if not run.fix:
            report.finding("orphan", f"file {key}", "found")
            continue
        pending.append(key)
        if len(pending) >= FIX_BATCH:
            _fix(run, root, pending, cutoff, report)
    if pending:
        _fix(run, root, pending, cutoff, report)
    return (
        f"{counts['files']} files under {UPLOAD_PREFIX}/ checked, {counts['orphans']} orphans, "
        f"{counts['removed']} removed, {counts['newer_than_audit']} newer than the audit left alone, "
        f"{counts['missing_files']} live keys without a file"
    )


def _fix(run: AuditRun, root: Path, keys: list[str], cutoff: float, report: Report) -> None:
    """Remove a batch of orphans, report each, and write their receipts; empties `keys`."""
    removed = remove(root, keys, cutoff)
    gone = set(removed)
    for key in keys:
        report.finding("orphan", f"file {key}", "removed" if key in gone else "left (changed meanwhile)")
    run.record_repaired(ORPHAN, [f"file {key}" for key in removed])
    run.counts["removed"] += len(removed)
    keys.clear()
