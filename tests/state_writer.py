"""A writer process for tests/test_state.py's crash and concurrency tests.

    python tests/state_writer.py DIR PREFIX COUNT [--batch B] [--compact-every K]
                                 [--star-every S] [--shared N] [--refresh]
                                 [--tag-every T] [--note-every N]

Marks keys PREFIX0, PREFIX1, ... read (and every S-th one starred; with --shared also the key
``shared-(i % N)`` read), B keys per `apply` call. Only after `apply` has returned does it print
``ACK KEY .`` for each key (flushed), so every line ending in `` .`` is an acknowledged mark.
With --compact-every K it compacts after every K batches. With --tag-every T every T-th key is
tagged ``kept`` (``TAG KEY .``), with --note-every N every N-th key gets the note ``note of KEY``
(``NOTE KEY .``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.state import StateStore  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path)
    ap.add_argument("prefix")
    ap.add_argument("count", type=int)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--compact-every", type=int, default=0)
    ap.add_argument("--star-every", type=int, default=0)
    ap.add_argument("--shared", type=int, default=0)
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--tag-every", type=int, default=0)
    ap.add_argument("--note-every", type=int, default=0)
    args = ap.parse_args()

    store = StateStore(args.directory, lock_timeout=60)
    store.load()
    out = sys.stdout
    for batches, start in enumerate(range(0, args.count, args.batch), 1):
        changes = []
        acks = []
        for i in range(start, min(start + args.batch, args.count)):
            key = f"{args.prefix}{i}"
            changes.append((key, "read", True))
            acks.append(f"ACK {key} .\n")
            if args.star_every and i % args.star_every == 0:
                changes.append((key, "starred", True))
                acks.append(f"STAR {key} .\n")
            if args.tag_every and i % args.tag_every == 0:
                changes.append((key, "tag:kept", True))
                acks.append(f"TAG {key} .\n")
            if args.note_every and i % args.note_every == 0:
                changes.append((key, "note", f"note of {key}"))
                acks.append(f"NOTE {key} .\n")
            if args.shared:
                shared = f"shared-{i % args.shared}"
                changes.append((shared, "read", True))
                acks.append(f"ACK {shared} .\n")
        store.apply(changes)
        out.write("".join(acks))
        out.flush()
        if args.compact_every and batches % args.compact_every == 0:
            store.compact()
        if args.refresh:
            store.refresh()
    store.close()


if __name__ == "__main__":
    main()
