"""What sign-in and connection caps cost per connect (issue 18), measured in one run.

    python benchmarks/bench_auth.py [--n 300]

- JWT: the generated authorizer's verification of one RS256 token (key set cached; a JWKS on
  127.0.0.1), against decoding the same token with PyJWT and the key in hand (the baseline).
- Caps: the connection guard's acquire + release on a moto server's DynamoDB, against one
  put_item + delete_item of a connection record (what a plain $connect/$disconnect does).
Medians per operation, in milliseconds, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import jwt  # noqa: E402

from tests.jwt_issuer import Issuer  # noqa: E402
from tests.servers import FAKE_AWS_ENV, MotoServer  # noqa: E402
from wsspec.runtime import connection_guard as cg  # noqa: E402
from wsspec.runtime import jwt_authorizer as ja  # noqa: E402


def median_ms(fn: Callable[[int], object], n: int) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    n = ap.parse_args().n
    os.environ.update(FAKE_AWS_ENV)
    rows: list[tuple[str, float, float]] = []

    iss = Issuer()
    try:
        cfg = ja.Config(iss.url, ("client-1",), "route.request.querystring.token", iss.jwks_uri)
        v = ja.Verifier(cfg)
        tok = iss.token()
        event = {"methodArn": "arn:aws:execute-api:us-east-1:1:a/prod/$connect"}
        event["queryStringParameters"] = {"token": tok}  # type: ignore[assignment]
        pub = iss.keys["k1"].public_key()
        base = median_ms(
            lambda i: jwt.decode(tok, pub, algorithms=["RS256"], audience="client-1"), n
        )
        rows.append(
            ("JWT verify (generated authorizer)", base, median_ms(lambda i: v.authorize(event), n))
        )
    finally:
        iss.close()

    server = MotoServer().start()
    try:
        ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        guard = cg.Guard(ddb, cg.Caps("t", 5, 100000))

        def plain(i: int) -> None:
            ddb.put_item(TableName="t", Item={"connectionId": {"S": f"p{i}"}})
            ddb.delete_item(TableName="t", Key={"connectionId": {"S": f"p{i}"}})

        def capped(i: int) -> None:
            assert guard.acquire(f"c{i}", f"user{i % 50}") is None
            guard.release(f"c{i}")

        rows.append(("caps: acquire + release (moto)", median_ms(plain, n), median_ms(capped, n)))
    finally:
        server.stop()

    print(f"{'operation':38} {'baseline ms':>12} {'wsspec ms':>10} {'ratio':>7}")
    for name, base_ms, ours in rows:
        print(f"{name:38} {base_ms:12.3f} {ours:10.3f} {ours / base_ms:7.2f}")


if __name__ == "__main__":
    main()
