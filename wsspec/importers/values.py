"""Values read from an input once its expressions are resolved.

Every reader (CloudFormation, Terraform, Serverless, a live API) resolves what it can to plain
data: strings, numbers, booleans, lists and dicts. What only exists once deployed stays
symbolic, so the assembler can recognise it:

* ``Ref(target, attr)``: another resource of the same input (``!GetAtt Fn.Arn``,
  ``aws_lambda_function.fn.invoke_arn``, a live ARN the reader matched to a function);
* ``Pseudo(name)``: a value of the account or Region (``AWS::Region``, ``AWS::AccountId``);
* ``Tmpl(parts)``: a string made of literal text and the two above (``!Sub``, ``Fn::Join``,
  an HCL string template).

``Unresolved`` records a value that cannot be known (an ``!ImportValue``, a parameter without a
default); it is an error only where the assembler needs the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Ref:
    """A reference to resource ``target`` of the same input (``attr`` "" is the plain Ref)."""

    target: str
    attr: str = ""


@dataclass(frozen=True)
class Pseudo:
    """A value of the deployment: ``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition`` ..."""

    name: str


@dataclass(frozen=True)
class Tmpl:
    """A string built from literal text and symbolic parts, in order."""

    parts: tuple[Union[str, Ref, Pseudo], ...]

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else _show(p) for p in self.parts)


@dataclass(frozen=True)
class Unresolved:
    """A value that cannot be known from the input; ``why`` says what it was."""

    why: str
    hint: str = ""


Symbol = Union[Ref, Pseudo]


def _show(p: Symbol) -> str:
    if isinstance(p, Pseudo):
        return "${" + p.name + "}"
    return "${" + p.target + ("." + p.attr if p.attr else "") + "}"


def concat(items: Iterable[Any]) -> Any:
    """Join strings and symbols into one value: a plain ``str`` when every part is literal."""
    parts: list[Union[str, Ref, Pseudo]] = []
    for item in items:
        if isinstance(item, Tmpl):
            pieces: Iterable[Any] = item.parts
        elif isinstance(item, (Ref, Pseudo)):
            pieces = (item,)
        elif isinstance(item, bool):
            pieces = ("true" if item else "false",)
        elif isinstance(item, (str, int, float)):
            pieces = (str(item),)
        else:
            return Unresolved(f"cannot join {type(item).__name__} into a string")
        for piece in pieces:
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            elif piece != "":
                parts.append(piece)
    if not parts:
        return ""
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0]
    return Tmpl(tuple(parts))


def parts_of(value: Any) -> tuple[Union[str, Ref, Pseudo], ...]:
    """The parts of a string-like value (a plain string is one part)."""
    if isinstance(value, Tmpl):
        return value.parts
    if isinstance(value, (str, Ref, Pseudo)):
        return (value,)
    return ()


def refs_in(value: Any) -> list[Ref]:
    """Every ``Ref`` inside a value (nested lists, dicts and templates)."""
    out: list[Ref] = []
    if isinstance(value, Ref):
        out.append(value)
    elif isinstance(value, Tmpl):
        out += [p for p in value.parts if isinstance(p, Ref)]
    elif isinstance(value, dict):
        for v in value.values():
            out += refs_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            out += refs_in(v)
    return out


def is_literal(value: Any) -> bool:
    """True for plain data without any symbolic or unresolved part."""
    if isinstance(value, (Ref, Pseudo, Tmpl, Unresolved)):
        return False
    if isinstance(value, dict):
        return all(is_literal(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_literal(v) for v in value)
    return True


def first_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for v in value:
            found = first_unresolved(v)
            if found is not None:
                return found
    return None


def show(value: Any) -> str:
    """A readable form of any value, for notes and messages."""
    if isinstance(value, Tmpl):
        return str(value)
    if isinstance(value, (Ref, Pseudo)):
        return _show(value)
    if isinstance(value, Unresolved):
        return f"<{value.why}>"
    return repr(value) if not isinstance(value, str) else value
