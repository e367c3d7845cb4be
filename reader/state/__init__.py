"""Marks that are never lost (read, starred, tags, notes): durable, crash-safe, concurrent-safe, mergeable.

Pure standard library plus platformdirs; no Textual. One `StateStore` per process (it is
thread-safe); any number of processes may use the same directory at the same time.

Files
=====

The store is a directory (`default_state_dir()`: ``$ARXIV_READER_DATA_DIR`` if set, else
platformdirs' user data directory ``arxiv-reader``, which honours ``XDG_DATA_HOME``) holding:

``marks.snapshot``
    The state as of the last compaction, in a form that loads fast. Replaced atomically.
``marks.log``
    JSON Lines of every change since that compaction. Appended, never edited in place.
``marks.lock``
    An empty file, only ever used for ``flock``. Never replaced or deleted.
``history/YYYY-MM.jsonl``
    Every event compaction moved out of ``marks.log``, by the month (UTC) of its time, in the
    log's line format. Only ever appended to (under the lock, ``fsync``'d before the log they
    came from is replaced); a crash in between can leave an event in both, so readers drop exact
    duplicates. Loading never reads them; `StateStore.history`, `StateStore.undo` and
    `StateStore.note_versions` do.
``marks.log.corrupt-YYYYMMDDTHHMMSSZ``, ``marks.snapshot.corrupt-...``
    A damaged original moved aside (see Corruption). Never read again; delete at will.
``.marks.*.tmp-PID-RANDOM``
    A file being written; a leftover one is from a crash and is removed by the next compaction.

The state is the log replayed on top of the snapshot. Either file may be missing (an empty
store has neither).

Events and the conflict rule
----------------------------

An event says "paper KEY's FIELD became VALUE at TIME": KEY is an opaque non-empty string (an
arXiv identifier without version, or ``title:...``), TIME is Unix seconds as a float with
microsecond precision, and FIELD is ``read`` or ``starred`` (VALUE a boolean), ``tag:NAME``
(VALUE a boolean: tagged or not; each tag is its own field; NAME at most 64 characters, no
whitespace or control characters) or ``note`` (VALUE the text, at most 64 KB of UTF-8, or null
for a deleted note). The state holds, for every (KEY, FIELD) ever set, the greatest event by
`fields.order`: the later change wins; on an exact tie of TIME, ``true`` beats ``false``, a text
beats a deletion, and of two texts the greater UTF-8 bytes win. This order does not depend on
the order events are read in, so replaying, merging and importing in any order, any number of
times, gives the same state on every machine. `StateStore.merge` also appends every note
version it does not hold yet, winning or not, so no version of a note is ever lost.

A local change is stamped ``max(now, previous + 0.000001)`` where *previous* is the time of
the current event for that (KEY, FIELD), as seen under the lock (so including other processes'
changes): a clock that steps backwards never makes a newer local change lose.

``marks.log``
-------------

UTF-8, one JSON object per line, each line ending in ``\\n``. The first line is a header::

    {"format": "arxiv-reader-marks", "version": 2, "kind": "log", "generation": "<hex>",
     "snapshot": "<hex>" | null, "follows": {"snapshot": "<hex>" | null, "log": "<hex>" | null}}

(on one line). Every further line is one event, exactly the `state export` format::

    {"id": "2401.00001", "field": "read", "value": true, "time": 1764620000.123456}

``generation`` names this log; ``snapshot`` names the snapshot it is to be replayed on;
``follows`` names the snapshot and log whose combined state the log's writer held when it
created it (a process that holds exactly that state may keep its memory and just read the new
log instead of reloading everything). Readers ignore unknown keys in the header and in events.
A final line without its ``\\n`` is a write that was never acknowledged (a crash in the middle
of an append): readers ignore it and the next writer truncates it away before appending.

``marks.snapshot``
------------------

UTF-8. The first line is a JSON header::

    {"format": "arxiv-reader-marks", "version": 2, "kind": "snapshot", "generation": "<hex>",
     "created": 1764620000.123456, "marked_keys": 1203,
     "sections": [{"field": "read", "lines": 1500, "bytes": 40210, "crc32": 123456789},
                  {"field": "starred", "lines": 40, "bytes": 1009, "crc32": 987654321},
                  {"field": "extra", "lines": 12, "bytes": 900, "crc32": 192837465}]}

followed by the ``read`` section, the ``starred`` section and the ``extra`` section (version 1
snapshots have no ``extra`` section). The ``extra`` section holds the current tags and notes as
event lines (the log's format, without the trailing newline of the last), sorted. A section is its lines sorted
by code point, each ``KEY<TAB>CODE<TAB>TIME\\n`` where CODE is ``R`` (read), ``r`` (not read),
``S`` (starred) or ``s`` (not starred), and TIME is the event time written as Python's
``repr(float)``. ``bytes`` and ``crc32`` (zlib CRC-32) cover the section's bytes exactly;
``marked_keys`` counts the keys that are read or starred. KEY is written as is unless it contains
a control character, ``"`` or ``\\``, in which case it is written as a JSON string (starting
with ``"``). Every line stands on its own, so a damaged snapshot still yields every intact line.

Loading 1,000,000 marks is one read, two CRCs and one ``str.split`` per section; lookups are a
binary search in the sorted lines (remembered per key), so nothing is built per mark.

Versioning: a reader refuses (``StateError``) a file whose ``version`` is newer than it knows
and never moves such a file aside; version 1 readers treat any other problem as damage.
Version 2 added tags, notes, the ``extra`` section and the history. A version 1 store is
upgraded in place by the first `StateStore.load` (or write) that can write: a compaction that
also copies the version 1 snapshot's entries into the history (they had none).

Writing
=======

* Every write happens under an exclusive ``fcntl.flock`` on ``marks.lock``. Waiting for it is
  bounded (``lock_timeout``, default 10 s, polling every 0.5 to 5 ms); it is normally held for
  well under a millisecond plus one ``fsync``, a 100,000-mark batch for under a second and a
  compaction of a million marks for two to three seconds on a slow machine. On timeout the operation fails with
  ``StateError`` ("marks are locked by another process ...") and nothing changes. Reading
  (`load`, `refresh`, queries) never takes the lock, except to repair damage.
* `StateStore.apply` / `StateStore.merge`: lock; read whatever other processes appended since;
  truncate a torn final line; stamp the events; write them in one ``write`` to the log opened
  with ``O_APPEND``; ``fsync``; unlock; only then update memory and return. A batch (a mark-all
  of 100,000 papers) is one write and one ``fsync``. A new log is created complete (temporary
  file, ``fsync``, ``rename``, directory ``fsync``), so a log is never seen without its header.
* Compaction (`StateStore.compact`, automatic after `StateStore.load` when the log holds more than
  10,000 events, or more than 1,000 and more than the snapshot: on a worker thread a second after
  `load` has returned, finished by `StateStore.close` or at the interpreter's exit if not done
  by then; see `reader.state.deferred`): lock; catch up; append the
  log's events to the history files and ``fsync`` them; write the new
  snapshot to a temporary file, ``fsync``, ``rename`` over ``marks.snapshot``, directory
  ``fsync``; then the same for a new log holding only its header. A crash between the two
  renames leaves the new snapshot with the old log, which replays to the same state. Other
  processes never write to a replaced log (they open it under the lock) and notice the
  replacement by its inode.
* Loading takes no lock: it opens the log before the snapshot, so it sees the old pair, the new
  snapshot with the old (final) log, or the new pair; all replay to a complete state.
* A failed append (disk full, I/O error, permission denied) raises ``StateError``; memory is
  unchanged and the log is truncated back to where it was, so the marks do not turn up later.
  A reader that had already read the rolled-back lines notices (it remembers the 64 bytes
  before its read offset) and reloads.
* `StateStore.refresh` costs a ``stat`` plus a 64-byte read when nothing changed; it reads only
  the new lines of the log, and after another process's compaction it reads the new log and
  keeps its memory when the new log's ``follows`` matches what it holds (else it reloads).

Corruption
==========

A snapshot whose sizes or CRCs do not match, a log line that is not a valid event (including
invalid UTF-8 and NUL bytes), a missing or bad header, and an empty file are damage. On damage
`StateStore.load`, under the lock: keeps every line that can be read, hard-links the damaged
original to ``NAME.corrupt-<UTC time>`` (a copy if hard links are not supported), writes a
clean snapshot and log by compaction, and returns one warning. The next load is clean.
A torn final log line is not damage (see above) and is dropped silently. A damaged file met
by `StateStore.refresh` or while catching up before a write is repaired the same way; that
warning is kept for `StateStore.take_warnings`.

Caveats
=======

* Clocks: the later change wins by wall-clock time, so a machine whose clock runs far ahead
  wins conflicts from the other machine until the other's clock passes it.
* Network file systems: ``fsync`` and ``rename`` are as durable as the server makes them, and
  ``flock`` on NFS is emulated with byte-range locks (it works only with a working lock
  manager; without one every write fails with "cannot lock ..."). A hung mount can block
  ``fsync`` indefinitely; nothing here can bound that.
* Truncation: a log cut short exactly at a line boundary (by something other than this module)
  looks like a shorter log and cannot be detected; cut anywhere else, the broken final line
  looks like a torn write and is dropped without a warning. Snapshots carry sizes and CRCs, so
  any truncation of a snapshot is detected and reported.
* Do not put the directory in a file-sync folder (Dropbox, Syncthing): those replace files
  wholesale and can revive an old log. Sync between machines with ``state export`` on one and
  ``state import`` on the other; merging is idempotent and order-independent.
"""

from .fields import MAX_NOTE_BYTES, MAX_TAG_CHARS, NOTE, TAG_PREFIX, valid_note, valid_tag
from .format import FIELDS, FORMAT, LOCK_NAME, LOG_NAME, SNAPSHOT_NAME, VERSION, Event, StateError
from .format import read_events_jsonl, write_events_jsonl
from .history import HISTORY_DIR
from .keep import LaterChangeError, comes_back_unread, is_updated
from .store import COMPACT_LOG_EVENTS, COMPACT_MIN_LOG_EVENTS, DEFAULT_LOCK_TIMEOUT, StateStore, default_state_dir

__all__ = [
    "COMPACT_LOG_EVENTS", "COMPACT_MIN_LOG_EVENTS", "DEFAULT_LOCK_TIMEOUT", "FIELDS", "FORMAT", "HISTORY_DIR",
    "LOCK_NAME", "LOG_NAME", "MAX_NOTE_BYTES", "MAX_TAG_CHARS", "NOTE", "SNAPSHOT_NAME", "TAG_PREFIX", "VERSION",
    "Event", "LaterChangeError", "StateError", "StateStore", "comes_back_unread", "default_state_dir",
    "is_updated", "read_events_jsonl", "valid_note", "valid_tag", "write_events_jsonl",
]
