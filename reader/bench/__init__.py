"""The benchmark suite: ``python -m reader.bench [--quick] [--large] [--json]``.

It generates its own corpora with the synthetic generator, runs every case several times
and reports medians (and p50/p95 for per-event latencies), with Textual's stock DataTable
and OptionList measured in the same run as the baseline. Timings are printed, never
asserted.

`core` holds the cases that need no terminal (parsing, marks, the filter over a million
titles) and the report; `ui` (the only module here that imports Textual) drives the app
headless. Frames are timed where the app hands them to the terminal: `ui.RecordingDriver`
is a driver that keeps, for each frame, when it was written and how many bytes it was,
which is what an SSH link would carry.
"""
