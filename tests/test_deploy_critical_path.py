"""The executor starts ready steps longest chain first (issue 24).

A step that many calls wait for (a role's inline policy, then the role; one function's
permissions, one after another) is started before one-call steps that became ready at the
same time, so the long chain is not queued behind them; ties keep plan order.
"""

from __future__ import annotations

from typing import Any

from wsspec.deploy.aws import Options
from wsspec.deploy.execute import Executor, _critical_path
from wsspec.deploy.steps import Call, Plan, Step


class _Client:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __getattr__(self, op: str) -> Any:
        return lambda **params: self.log.append(f"{op} {params['Name']}") or {}


class _Aws:
    """One call at a time (concurrency 1): the order calls leave is the order steps start."""

    def __init__(self) -> None:
        self.options = Options(concurrency=1)
        self.calls: list[str] = []

    def client(self, service: str, probe: bool = False) -> Any:
        return _Client(self.calls)


def _step(key: str, ops: list[str], after: tuple[int, ...] = ()) -> Step:
    calls = tuple(Call("svc", op, {"Name": key}) for op in ops)
    return Step("delete", "thing", key, key, calls, phase=0, after=after)


def test_the_longest_chain_starts_first_and_ties_keep_plan_order():
    steps = (
        _step("fn-a", ["delete_function"]),
        _step("fn-b", ["delete_function"]),
        _step("role", ["delete_role_policy"]),
        _step("role", ["delete_role"], after=(2,)),
        _step("perm", ["add_permission", "add_permission", "add_permission"]),
    )
    aws = _Aws()
    Executor(aws).run(Plan(steps, {}))  # type: ignore[arg-type]
    assert aws.calls == [
        "add_permission perm",  # three calls: the longest chain
        "add_permission perm",
        "add_permission perm",
        "delete_role_policy role",  # two calls wait for it
        "delete_function fn-a",  # then plan order
        "delete_function fn-b",
        "delete_role role",
    ]


def test_chain_lengths_count_calls_along_the_longest_path():
    steps = (
        _step("a", ["x"]),
        _step("b", ["x", "x"], after=(0,)),
        _step("c", ["x"], after=(0,)),
        _step("d", ["x"], after=(1, 2)),
    )
    dependents = {0: [1, 2], 1: [3], 2: [3]}
    key = _critical_path(steps, dependents)
    assert [key(i)[0] for i in range(4)] == [-4, -3, -2, -1]
