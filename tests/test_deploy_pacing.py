"""Pacing and retries of AWS calls (issue 24): wsspec.deploy.pacing, then a real deploy
through tests/awsproxy.py throttling a moto server the way AWS does.

The gate's arithmetic runs on a fake clock (no timing in these tests); the end-to-end test
checks outcomes: the deploy completes although the proxy throttled it, converges (the next
deploy plans nothing), and the throttling was answered by pacing, not by hammering.
"""

from __future__ import annotations

import os

import botocore.exceptions
import pytest

from wsspec.deploy.pacing import DECREASE, RECOVER, Gate, Pacer, is_throttle
from wsspec.deploy.progress import Activity
from wsspec.errors import WsspecError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


def client_error(code: str, status: int = 400) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Op",
    )


def test_throttling_errors_of_every_protocol_are_recognised():
    for code, status in (
        ("TooManyRequestsException", 429),  # API Gateway, Lambda (REST-JSON)
        ("Throttling", 400),  # IAM, STS (query)
        ("Throttled", 429),  # SNS
        ("ThrottlingException", 400),  # Logs, DynamoDB, SSM, CloudWatch
    ):
        assert is_throttle(client_error(code, status))
    assert is_throttle(client_error("Whatever", 429))
    assert not is_throttle(client_error("ConflictException", 409))


def test_a_throttle_paces_the_family_below_what_got_through():
    clock = Clock()
    gate = Gate("apigateway", 16, clock)
    assert gate.turn() == (0.0, 100.0)  # unpaced until throttled
    for i in range(20):  # 20 calls succeeded within the last second
        clock.now = 100.0 + i * 0.04
        gate.success()
    clock.now = 100.9
    assert gate.throttled(turn_at=100.5) == pytest.approx(20 * DECREASE)
    # calls given their turn before that cut were in flight already: no second cut for them
    assert gate.throttled(turn_at=100.8) is None
    wait1, _ = gate.turn()
    wait2, _ = gate.turn()
    assert wait2 - wait1 == pytest.approx(1 / (20 * DECREASE))
    # a later throttle of a call sent under the new pace lowers it again, below the lower of
    # the pace and what got through
    pace = gate.rate
    for i in range(12):
        clock.now = 100.9 + i * 0.05
        gate.success()
    clock.now = 101.5
    assert gate.throttled(turn_at=101.0) == pytest.approx(DECREASE * pace)
    for i in range(4):
        clock.now = 102.6 + i * 0.1
        gate.success()
    clock.now = 103.5  # four got through in the last second
    assert gate.throttled(turn_at=103.0) == pytest.approx(DECREASE * 4)


def test_successes_of_the_throttled_round_that_come_back_late_count():
    """A burst of 16 calls against a bucket of 10: the answers come back in any order, so the
    first throttling answer may arrive when only 2 successes are in. The pace is cut to
    (at least) START then, and raised as the round's other successes arrive."""
    clock = Clock()
    gate = Gate("iam", 16, clock)
    _, sent = gate.turn()  # the whole round was sent at 100.0
    clock.now = 100.05
    gate.success(sent)
    gate.success(sent)
    low = gate.throttled(turn_at=sent)
    assert low == pytest.approx(2 * DECREASE)
    for _ in range(8):  # the rest of the round's successes
        gate.success(sent)
    assert gate.rate == pytest.approx(10 * DECREASE)
    # a success of a call sent after the cut does not raise the pace
    clock.now = 100.5
    _, later = gate.turn()
    gate.rate = 3.0
    gate.success(later)
    assert gate.rate == 3.0
    # a family already paced: late successes never raise it above the cut's own rule
    gate.rate = 4.0
    _, sent = gate.turn()
    clock.now = 100.6
    assert gate.throttled(turn_at=sent) == pytest.approx(4.0 * DECREASE)
    for _ in range(10):
        gate.success(sent)
    assert gate.rate == pytest.approx(4.0 * DECREASE)


def test_the_pace_recovers_then_probes_then_stops_pacing():
    clock = Clock()
    gate = Gate("lambda", 4, clock)
    for _ in range(10):
        gate.success()
    gate.throttled(turn_at=clock.now)
    assert gate.rate == pytest.approx(10 * DECREASE) and gate.peak == pytest.approx(10.0)
    clock.now += 0.5
    gate.turn()
    assert gate.rate == pytest.approx(10 * DECREASE + RECOVER * 10 * 0.5)  # recovering
    clock.now += 10.0
    gate.turn()
    assert gate.rate == pytest.approx(10.0)  # back at the last throttled rate
    for _ in range(200):  # probing above it, multiplicatively
        clock.now += 0.1
        gate.turn()
    assert gate.rate is None  # four times above the old limit: not paced any more


def test_throttled_calls_are_sent_again_at_their_turn_and_reported():
    clock = Clock()
    events: list[tuple[str, str]] = []
    activity = Activity(listener=lambda e, m: events.append((e, m)))
    pacer = Pacer(activity, limit=4, clock=clock, sleep=clock.sleep)
    answers = [client_error("TooManyRequestsException", 429)] * 3 + ["ok"]

    def send() -> str:
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    assert pacer.call("apigateway", "CreateRoute", send) == "ok"
    assert answers == []
    assert events and events[0][0] == "throttle" and "pacing at" in events[0][1]
    assert clock.slept and all(s > 0 for s in clock.slept)
    snap = activity.snapshot()
    assert snap.families["apigateway"].throttled == 3 and snap.in_flight == 0


def test_endless_throttling_stops_after_the_patience_with_one_line():
    clock = Clock()
    pacer = Pacer(Activity(), limit=1, patience=30.0, clock=clock, sleep=clock.sleep)

    def send() -> None:
        clock.now += 1.0
        raise client_error("Throttling")

    with pytest.raises(WsspecError) as err:
        pacer.call("iam", "CreateRole", send)
    assert err.value.code == "WS934" and "\n" not in str(err.value)


def test_transient_errors_are_retried_a_few_times_and_others_never():
    clock = Clock()
    pacer = Pacer(Activity(), clock=clock, sleep=clock.sleep)
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise client_error("ServiceUnavailable", 503)
        return "ok"

    assert pacer.call("lambda", "GetPolicy", flaky) == "ok" and calls["n"] == 3

    def broken() -> None:
        calls["n"] += 1
        raise client_error("ServiceUnavailable", 503)

    calls["n"] = 0
    with pytest.raises(botocore.exceptions.ClientError):
        pacer.call("lambda", "GetPolicy", broken)
    assert calls["n"] == 5  # the first try and four retries

    calls["n"] = 0
    with pytest.raises(botocore.exceptions.ClientError):
        pacer.call("lambda", "GetPolicy", lambda: broken(), retry=False)
    assert calls["n"] == 1

    def refused() -> None:
        calls["n"] += 1
        raise client_error("ConflictException", 409)

    calls["n"] = 0
    with pytest.raises(botocore.exceptions.ClientError):
        pacer.call("apigateway", "CreateRoute", refused)
    assert calls["n"] == 1


def simulate(
    n: int, rate: float, burst: float, latency: float, limit: int = 16
) -> tuple[float, int]:
    """Simulated seconds and throttled answers for ``n`` independent calls through one gate to
    a token bucket of ``rate`` calls/s holding ``burst`` (deterministic: simulated time)."""
    import heapq
    import random

    rnd = random.Random(7)
    clock = Clock()
    clock.now = 0.0
    gate = Gate("family", limit, clock)
    tokens, filled = burst, 0.0
    events: list[tuple[float, int, float]] = []
    pending, in_flight, throttled, seq = n, 0, 0, 0

    def start() -> None:
        nonlocal pending, in_flight, seq
        while pending and in_flight < limit:
            wait, turn_at = gate.turn()
            pending, in_flight, seq = pending - 1, in_flight + 1, seq + 1
            arrive = clock.now + wait + latency * rnd.uniform(0.8, 1.2)
            heapq.heappush(events, (arrive, seq, turn_at))

    start()
    while events:
        clock.now, _, turn_at = heapq.heappop(events)
        tokens, filled = min(burst, tokens + (clock.now - filled) * rate), clock.now
        in_flight -= 1
        if tokens >= 1:
            tokens -= 1
            gate.success(turn_at)
        else:
            throttled += 1
            gate.throttled(turn_at)
            pending += 1
        start()
    return clock.now, throttled


@pytest.mark.parametrize(
    ("n", "rate", "burst", "latency"),
    [
        (330, 10, 10, 0.05),
        (330, 10, 40, 0.05),
        (100, 5, 5, 0.05),
        (45, 8, 8, 0.005),
        (60, 2, 2, 0.05),
        (1000, 20, 20, 0.05),
    ],
)
def test_pacing_takes_about_the_time_the_rate_limit_implies(n, rate, burst, latency):
    """The bar of issue 24 (at most 1.2x the time the limit implies), on simulated time."""
    took, throttled = simulate(n, rate, burst, latency)
    implied = (n - burst) / rate
    assert took <= 1.1 * implied, (took, implied)
    assert throttled < n / 2 + 16  # beyond the first round of calls in flight, few are wasted


@pytest.mark.slow
def test_a_deploy_throttled_like_aws_completes_converges_and_paces(moto, aws_env, tmp_path):
    """30 routes through the proxy at 8 calls/s per family: the deploy ends, the next one
    plans nothing, and pacing kept the throttled answers to a small share of the calls."""
    from benchmarks.gen_spec import generate
    from tests.awsproxy import AwsProxy
    from tests.deploy_util import Counter, deploy, load, project

    moto.reset()
    spec = load(project(tmp_path, None, data=generate(30, own_every=10)))
    events: list[str] = []
    with AwsProxy(moto.url, latency=0.005, rate=8.0, burst=8.0) as proxy:
        c = Counter()
        deploy(spec, proxy.url, counter=c, progress=lambda e, s, m: events.append(e))
        throttled = sum(s.throttled for s in proxy.stats.values())
        answered = sum(s.calls - s.throttled for s in proxy.stats.values())
        session, _, c2 = deploy(spec, proxy.url)
    assert throttled > 0 and "throttle" in events  # the proxy did throttle, and it showed
    assert session.plan.empty and c2.writes == []
    # a blind retry loop sends several throttled calls per successful one; pacing far fewer
    assert throttled < answered / 2, (throttled, answered)


def test_an_error_page_instead_of_an_aws_answer_is_transient_but_not_on_the_first_call():
    """A 5xx HTML page from a front end is retried like a 503; the probe call (the first of a
    deploy, retry=False) is not, so an endpoint that is not AWS fails at once (WS931)."""
    from botocore.parsers import ResponseParserError

    from wsspec.deploy.pacing import is_transient

    assert is_transient(ResponseParserError("<html>502 Bad Gateway</html>"))
    clock = Clock()
    pacer = Pacer(Activity(), clock=clock, sleep=clock.sleep)
    calls = {"n": 0}

    def page() -> None:
        calls["n"] += 1
        raise ResponseParserError("<html>502 Bad Gateway</html>")

    with pytest.raises(ResponseParserError):
        pacer.call("sts", "GetCallerIdentity", page, retry=False)
    assert calls["n"] == 1


# every family a deploy uses, with a call that moto answers on an empty account
_PROXY_CALLS = (
    ("apigatewayv2", "get_apis", {}),
    ("apigateway", "get_account", {}),
    ("lambda", "list_functions", {}),
    ("iam", "list_roles", {}),
    ("sts", "get_caller_identity", {}),
    ("sns", "list_topics", {}),
    ("logs", "describe_log_groups", {}),
    ("dynamodb", "list_tables", {}),
    ("ssm", "describe_parameters", {}),
    ("cloudwatch", "describe_alarms", {}),
)


def test_the_proxy_throttles_each_family_in_its_protocol_and_the_pacer_rides_it_out(moto, aws_env):
    """Through tests/awsproxy.py at one call per second per family (burst one): the second
    call of each family gets that family's AWS throttling error, botocore parses it as such
    (code and status), and the same call sent through the pacer succeeds after waiting."""
    import boto3
    from botocore.config import Config

    from tests.awsproxy import AwsProxy
    from wsspec.deploy.errors import error_code

    cfg = Config(retries={"mode": "standard", "total_max_attempts": 1})
    for service, op, _ in _PROXY_CALLS:  # moto loads a service on its first call: warm up
        getattr(boto3.client(service, endpoint_url=moto.url, region_name="us-east-1"), op)()
    with AwsProxy(moto.url, latency=0.0, rate=1.0, burst=1.0) as proxy:
        pacer = Pacer(Activity(), limit=1)
        seen: set[str] = set()
        for service, op, params in _PROXY_CALLS:
            c = boto3.client(service, endpoint_url=proxy.url, region_name="us-east-1", config=cfg)
            proxy.reset_stats()  # a full bucket for each family
            getattr(c, op)(**params)  # the burst
            with pytest.raises(botocore.exceptions.ClientError) as err:
                getattr(c, op)(**params)
            assert is_throttle(err.value), (service, err.value.response)
            assert error_code(err.value) in (
                "TooManyRequestsException",
                "Throttling",
                "Throttled",
                "ThrottlingException",
            ), (service, err.value.response)
            family = c.meta.service_model.signing_name
            seen.add(family)
            pacer.call(family, op, lambda c=c, op=op, params=params: getattr(c, op)(**params))
            st = proxy.stats[family]
            assert st.calls - st.throttled == 2, (family, st)  # the burst and the pacer's call
    snap = pacer.activity.snapshot()
    assert set(snap.families) == seen
    assert all(f.throttled >= 1 and f.rate is not None for f in snap.families.values()), snap
    assert seen >= {"apigateway", "lambda", "iam", "sts", "sns", "logs", "dynamodb", "ssm"}


def test_the_proxy_in_its_own_process_forwards_counts_throttles_and_resets(moto, aws_env):
    """The benchmark's proxy (``AwsProxyProcess``: the proxy's work off the measured process):
    it forwards to moto, holds each call, throttles above the rate, and its counts are read and
    reset over its control path."""
    import time

    import boto3
    from botocore.config import Config

    from tests.awsproxy import AwsProxyProcess

    cfg = Config(retries={"mode": "standard", "total_max_attempts": 1})
    with AwsProxyProcess(moto.url, latency=0.05, jitter=0.0, rate=1.0, burst=2.0) as proxy:
        assert proxy.proc is not None and proxy.proc.pid != os.getpid()
        c = boto3.client("lambda", endpoint_url=proxy.url, region_name="us-east-1", config=cfg)
        t = time.perf_counter()
        c.list_functions()
        assert time.perf_counter() - t >= 0.05  # held
        c.list_functions()
        with pytest.raises(botocore.exceptions.ClientError) as err:
            c.list_functions()
        assert is_throttle(err.value)
        stats = proxy.stats
        assert (stats["lambda"].calls, stats["lambda"].throttled) == (3, 1), stats
        proxy.reset_stats()
        assert proxy.stats == {}
        c.list_functions()  # a full bucket again
        proc = proxy.proc
    assert proc.poll() is not None  # stopped with the block
