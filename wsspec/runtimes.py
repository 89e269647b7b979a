"""The Lambda runtimes wsspec writes, with their lifecycle dates: one table, easy to update.

Source of the dates: the "Supported runtimes" and "Deprecated runtimes" tables of
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (as of 2026-12; cfn-lint's
``LmbdRuntimeLifecycle.json`` carries the same dates and flags a template by them). When AWS
adds a runtime or announces dates: add or edit one ``Runtime`` row; when a newer runtime should
become the default, move the ``DEFAULT_*`` names below.

``terraform_provider`` is the first ``hashicorp/aws`` provider release whose ``aws_lambda_function``
accepts the runtime (the provider validates the name against its own list; the Terraform target
raises its version constraint to it):

* python3.12 / nodejs20.x: 5.30 (the floor wsspec's Terraform output always had);
* python3.13 / nodejs22.x: 5.78 (hashicorp/terraform-provider-aws#40277, November 2024);
* nodejs24.x: 6.19, python3.14: 6.20 (hashicorp/terraform-provider-aws#45024, November 2025).

The defaults are the newest runtimes every back end accepts with the provider versions the
Terraform output declares and this project tests with (the local provider mirror holds 5.100,
which rejects python3.14 and nodejs24.x). This module imports nothing of wsspec.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Literal

SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
Language = Literal["python", "nodejs"]


@dataclass(frozen=True)
class Runtime:
    name: str  # the Lambda runtime identifier
    language: Language
    deprecated: datetime.date  # Lambda stops patching it (cfn-lint W2531 from this day)
    block_create: datetime.date  # new functions cannot use it (cfn-lint E2531)
    block_update: datetime.date  # existing functions cannot be updated with it
    terraform_provider: str = "5.30"  # first hashicorp/aws release that accepts the name


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


TABLE: tuple[Runtime, ...] = (
    Runtime("python3.6", "python", _d("2022-07-18"), _d("2022-07-18"), _d("2022-08-29")),
    Runtime("python3.7", "python", _d("2023-12-04"), _d("2024-01-09"), _d("2026-03-09")),
    Runtime("python3.8", "python", _d("2024-10-14"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("python3.9", "python", _d("2025-12-15"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("python3.10", "python", _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("python3.11", "python", _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("python3.12", "python", _d("2028-10-31"), _d("2028-11-30"), _d("2029-01-10")),
    Runtime("python3.13", "python", _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31"), "5.78"),
    Runtime("python3.14", "python", _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31"), "6.20"),
    Runtime("nodejs10.x", "nodejs", _d("2021-07-30"), _d("2021-07-30"), _d("2022-02-14")),
    Runtime("nodejs12.x", "nodejs", _d("2023-03-31"), _d("2023-03-31"), _d("2023-04-30")),
    Runtime("nodejs14.x", "nodejs", _d("2023-12-04"), _d("2024-01-09"), _d("2026-07-01")),
    Runtime("nodejs16.x", "nodejs", _d("2024-06-12"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("nodejs18.x", "nodejs", _d("2025-09-01"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("nodejs20.x", "nodejs", _d("2026-04-30"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("nodejs22.x", "nodejs", _d("2027-04-30"), _d("2027-06-01"), _d("2027-07-01"), "5.78"),
    Runtime("nodejs24.x", "nodejs", _d("2028-04-30"), _d("2028-06-01"), _d("2028-07-01"), "6.19"),
)

BY_NAME: dict[str, Runtime] = {r.name: r for r in TABLE}
DEFAULT_PYTHON = "python3.13"
DEFAULT_NODE = "nodejs22.x"

# ``WSSPEC_TODAY=YYYY-MM-DD`` fixes the date the lifecycle checks compare with (tests, or a
# pipeline that must give the same answer tomorrow).
TODAY_VARIABLE = "WSSPEC_TODAY"


def today() -> datetime.date:
    fixed = os.environ.get(TODAY_VARIABLE)
    if fixed:
        try:
            return datetime.date.fromisoformat(fixed)
        except ValueError:
            pass
    return datetime.date.today()


def lookup(name: str) -> Runtime | None:
    return BY_NAME.get(name)


def newest(language: Language) -> Runtime:
    """The newest runtime of ``language`` in the table (by its block date)."""
    return max((r for r in TABLE if r.language == language), key=lambda r: r.block_create)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))
