"""What dependencies are installed for: a function or a layer, one runtime, one architecture.

Imports nothing of wsspec: ``python`` and ``node`` take this record, so a function and a layer
are installed by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstallFor:
    label: str  # how messages name it: "function chat", "layer shared"
    runtime: str  # python3.12, nodejs22.x
    architecture: str  # x86_64 | arm64
