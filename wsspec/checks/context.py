"""What every check receives (``Ctx``), how a check declares its codes (``@check``), and the
small helpers the rule families share.

Checks read the loader's plain data, not the model: they run even when the schema found errors,
so every check is defensive (a value of the wrong type is skipped: the schema has already
reported it). ``as_map``/``as_str``/``as_list`` give such a value as the type a check expects,
or an empty value / None.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from wsspec import codes
from wsspec.errors import Finding
from wsspec.loader import Loaded, Path


def as_map(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def as_str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def is_number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def did_you_mean(word: str, options: Iterable[object]) -> str | None:
    match = difflib.get_close_matches(word, [o for o in options if isinstance(o, str)], n=1)
    return f"did you mean {match[0]!r}?" if match else None


@dataclass(frozen=True)
class Check:
    """One rule: a function of the context and the codes it may report."""

    name: str
    fn: Callable[[Ctx], None]
    codes: frozenset[str]


class UndeclaredCode(LookupError):
    """A check reported a code its ``@check(...)`` does not list."""


def check(*emits: str) -> Callable[[Callable[[Ctx], None]], Check]:
    """Declare a rule and the codes it reports (each must be registered in ``wsspec.codes``)."""
    for code in emits:
        codes.get(code)  # an unregistered code fails at import

    def register(fn: Callable[[Ctx], None]) -> Check:
        return Check(fn.__name__, fn, frozenset(emits))

    return register


@dataclass
class Ctx:
    loaded: Loaded
    project_dir: str
    findings: list[Finding] = field(default_factory=list)
    claimed: set[Path] = field(default_factory=set)
    current: Check | None = None

    @property
    def data(self) -> dict[str, Any]:
        return as_map(self.loaded.data)

    def add(
        self, code: str, path: Path, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        if self.current is not None and code not in self.current.codes:
            raise UndeclaredCode(f"check {self.current.name} does not declare {code}")
        self.findings.append(self.loaded.finding(code, path, message, hint=hint, key=key))

    def claim(self, path: Path) -> None:
        """Schema findings at or under ``path`` are superseded by an explanatory finding."""
        self.claimed.add(tuple(path))

    # spec sections (always mappings, whatever the file says)
    def section(self, name: str) -> dict[str, Any]:
        return as_map(self.data.get(name))

    def routes(self) -> dict[str, Any]:
        return self.section("routes")

    def integrations(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Every integration mapping, named and inline, with its spec path."""
        for name, d in self.section("integrations").items():
            if isinstance(d, dict):
                yield ("integrations", name), d
        for key, r in self.routes().items():
            integ = as_map(r).get("integration")
            if isinstance(integ, dict):
                yield ("routes", key, "integration"), integ
