"""A writer process for tests/test_sync.py: one machine's reader marking papers while syncing.

    python tests/sync_writer.py DATA_DIR SYNC_DIR PREFIX COUNT [--compact-every K]

Marks PREFIX0 ... read one at a time (every 3rd also starred, every 4th tagged ``t``, every
5th given a note), sets ``shared-(i % 7)`` read and unread in turn (a key every machine
writes), copies its new events to the synced folder after each mark and merges the other
machines' every 4th mark, as the app does on its timer. Prints ``ACK KEY .`` once a mark is
in the local store.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.state import StateStore  # noqa: E402
from reader.sync import SyncFolder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path)
    ap.add_argument("sync_dir", type=Path)
    ap.add_argument("prefix")
    ap.add_argument("count", type=int)
    ap.add_argument("--compact-every", type=int, default=0)
    args = ap.parse_args()
    store = StateStore(args.directory, lock_timeout=60)
    store.load()
    folder = SyncFolder(store, args.sync_dir)
    folder.push_new_local_events()
    folder.catch_up()
    for i in range(args.count):
        key = f"{args.prefix}{i}"
        changes: list[tuple[str, str, bool | str | None]] = [(key, "read", True),
                                                             (f"shared-{i % 7}", "read", i % 2 == 0)]
        if i % 3 == 0:
            changes.append((key, "starred", True))
        if i % 4 == 0:
            changes.append((key, "tag:t", True))
        if i % 5 == 0:
            changes.append((key, "note", f"note of {key} ✓"))
        store.apply(changes)
        sys.stdout.write(f"ACK {key} .\n")
        sys.stdout.flush()
        folder.push_new_local_events()
        if i % 4 == 0:
            folder.poll()
        if args.compact_every and i % args.compact_every == 0:
            store.compact()
    folder.close()
    store.close()


if __name__ == "__main__":
    main()
