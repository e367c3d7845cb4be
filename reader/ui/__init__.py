"""The Textual front end. The only package (with the benchmark) that imports Textual."""

import os

# Textual repaints at most MAX_FPS times a second, so a key waits up to one period for its
# frame: 60 fps puts the cursor's p95 at ~25 ms here, 120 fps brings it near 10 ms. Set before
# Textual is imported, and only as a default: TEXTUAL_FPS in the environment still wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
