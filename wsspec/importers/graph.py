"""The resources every reader produces, in one shape, and the notes every stage collects.

Readers turn their input into a ``Graph``: resources keyed by their id in that input (a
CloudFormation logical ID, a Terraform address, a live API's own ids), each with a normalised
``kind`` and its properties under CloudFormation's property names (Terraform's
``route_selection_expression`` becomes ``RouteSelectionExpression``), values resolved as far as
the input allows (``wsspec.importers.values``). The assembler reads only this shape, so the
three inputs that describe API Gateway resources share one translation into a spec.

Kinds: api, route, route_response, integration, integration_response, authorizer, model, stage,
deployment, domain, api_mapping, vpc_link, function, table, log_group, role, account, alarm,
topic, subscription, permission, and ``other`` for anything outside a WebSocket API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from wsspec.importers.values import Ref

Kind = str
NoteKind = Literal["not_imported", "guess"]


@dataclass
class Res:
    """One resource of the input."""

    id: str  # its id in the input (logical ID, Terraform address, live id)
    kind: Kind
    type: str  # the input's own type name (AWS::ApiGatewayV2::Route, aws_apigatewayv2_route)
    props: dict[str, Any]
    where: str = ""  # where it is written, for messages (file, block)

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass
class Graph:
    resources: dict[str, Res] = field(default_factory=dict)
    source: str = ""  # the input, as named in messages and in the spec's header comment
    source_kind: str = ""  # "CloudFormation", "SAM", "Terraform", "Serverless", "live API"
    by_wsspec: bool = False  # the input is wsspec's own output (names follow its patterns)
    project_dir: str = "."  # where the input's relative paths start
    region: str | None = None  # known for live APIs (and from --param AWS::Region)
    skipped: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # reader's own notes
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message), e.g. WS979

    def add(self, res: Res) -> Res:
        self.resources[res.id] = res
        return res

    def of(self, kind: Kind) -> list[Res]:
        return [r for r in self.resources.values() if r.kind == kind]

    def get(self, rid: str) -> Res | None:
        return self.resources.get(rid)

    def target(self, value: Any, kind: Kind | None = None) -> Res | None:
        """The resource a ``Ref`` points at (of ``kind``, when given)."""
        if not isinstance(value, Ref):
            return None
        res = self.resources.get(value.target)
        if res is None or (kind is not None and res.kind != kind):
            return None
        return res


@dataclass(frozen=True)
class Note:
    """A comment for the emitted spec: at ``path`` (spec keys), ``text`` after the prefix."""

    path: tuple[str, ...]
    text: str
    kind: NoteKind = "not_imported"

    @property
    def comment(self) -> str:
        prefix = "not imported: " if self.kind == "not_imported" else "guessed: "
        return prefix + self.text


@dataclass
class Notes:
    items: list[Note] = field(default_factory=list)

    def skip(self, path: tuple[str, ...], text: str) -> None:
        """Something the spec cannot express: a comment at ``path`` and a warning."""
        note = Note(path, text)
        if note not in self.items:
            self.items.append(note)

    def guess(self, path: tuple[str, ...], text: str) -> None:
        """A value the importer had to guess: a comment at ``path``."""
        note = Note(path, text, "guess")
        if note not in self.items:
            self.items.append(note)

    def not_imported(self) -> list[Note]:
        return [n for n in self.items if n.kind == "not_imported"]
