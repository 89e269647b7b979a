"""`wsspec serve` (issue 7). Registered on the main app by wsspec.cli."""

from __future__ import annotations

from wsspec.cli import app  # noqa: F401  (commands are added here with @app.command())
