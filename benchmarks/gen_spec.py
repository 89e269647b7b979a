"""Generate large, valid specs for benchmarks and quota tests.

    python benchmarks/gen_spec.py 300 > /tmp/big.yaml

Mix (as in the large-API issue): most routes on one shared function, every 25th route on its
own function, every 40th a MOCK two-way route, every 50th an HTTP proxy route.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def generate(
    n_routes: int,
    *,
    name: str = "big",
    own_every: int = 25,
    mock_every: int = 40,
    http_every: int = 50,
) -> dict:
    routes: dict[str, object] = {
        "$connect": {"function": "shared"},
        "$disconnect": {"function": "shared"},
        "$default": {"function": "shared", "response": True},
    }
    functions: dict[str, object] = {
        "shared": {
            "handler": "handlers/shared.py",
            "grants": ["manage_connections", "connection_table"],
        }
    }
    i = 0
    while len(routes) < n_routes:
        i += 1
        key = f"action{i:04d}"
        if i % http_every == 0:
            routes[key] = {
                "integration": {
                    "type": "http",
                    "proxy": True,
                    "url": f"https://backend.example.com/{key}",
                }
            }
        elif i % mock_every == 0:
            routes[key] = {
                "integration": {
                    "type": "mock",
                    "request_templates": {"$default": '{"statusCode": 200}'},
                    "responses": {"$default": {}},
                },
                "response": True,
            }
        elif i % own_every == 0:
            fn = f"fn{i:04d}"
            functions[fn] = {"handler": f"handlers/{fn}.py"}
            routes[key] = {"function": fn}
        else:
            routes[key] = {"function": "shared"}
    spec: dict[str, object] = {
        "wsspec": 1,
        "api": {"name": name, "description": f"generated spec with {n_routes} routes"},
        "routes": routes,
        "functions": functions,
        "connections": {"ttl_seconds": 7200},
        "stages": {"prod": {"auto_deploy": True, "throttling": {"burst": 500, "rate": 1000}}},
    }
    if n_routes > 300:  # beyond the default quota: the spec records the raised quota
        spec["account"] = {"quotas": {"routes": n_routes, "integrations": n_routes}}
    return spec


def write(n_routes: int, directory: Path, **kw: object) -> Path:
    """Write ``big<n>.yaml`` into ``directory`` (handlers are not created)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"big{n_routes}.yaml"
    path.write_text(
        yaml.safe_dump(
            generate(n_routes, name=f"big{n_routes}", **kw),  # type: ignore[arg-type]
            sort_keys=False,
            width=120,
        )
    )
    return path


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    sys.stdout.write(yaml.safe_dump(generate(n, name=f"big{n}"), sort_keys=False, width=120))
