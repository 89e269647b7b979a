"""The deploy lock: one writer per spec at a time (issue 22: two deploys at once made two APIs).

Two SSM parameters per spec, under ``/wsspec/<api name>/``:

- ``deploy-lock`` exists while a deploy or destroy writes. Creating it is atomic
  (``PutParameter`` without ``Overwrite`` fails when it exists), so only one holder at a time.
  Its value names the holder (host, pid, a random token) and when the lease ends; the holder
  renews the lease while it runs. A lock whose lease ended (its deploy died), or one left by
  this very process (a deploy in it failed before releasing), is stale and is taken over.
- ``deploy-serial`` holds the token of the last deploy that released the lock. ``prepare``
  reads it before reading the account; if it is unchanged when the lock is taken (and the lock
  was free), nobody wrote in between and the plan stands. Otherwise the account is read again
  and the plan made again under the lock.

The lock is released after the record is written (``release``): without reading it when its
lease is fresh, else only when it is still this deploy's.

A plan with nothing to do takes no lock and makes no write. Where SSM cannot be used (access
denied, an emulator without it) the deploy goes on without a lock and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from wsspec.deploy.aws import Aws
from wsspec.deploy.errors import aws_error, error_code, is_unimplemented, translate
from wsspec.deploy.records import OWNER_TAG, owner_value
from wsspec.model import Spec

LEASE = 120.0  # seconds a lock stays valid without renewal
RENEW = 30.0  # the holder renews this often
POLL = 1.0  # a waiting deploy looks again this often
UNAVAILABLE = "<unavailable>"  # the serial of an account where the lock cannot be used

_ACTIVE: set[str] = set()  # tokens of the locks this process holds now
_ACTIVE_LOCK = threading.Lock()


def prefix(spec: Spec) -> str:
    """``/wsspec/<api name>/`` (characters SSM refuses replaced; a hash keeps names apart)."""
    name = spec.api.name
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "x"
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"/wsspec/{safe[:200]}/"


@dataclass
class Holder:
    token: str
    host: str
    pid: int
    since: float
    expires: float

    def text(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    def describe(self) -> str:
        since = time.strftime("%H:%M:%S", time.localtime(self.since))
        return f"{self.host} pid {self.pid} since {since}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            d = json.loads(text)
            return cls(str(d["token"]), str(d["host"]), int(d["pid"]), d["since"], d["expires"])
        except (ValueError, KeyError, TypeError):
            return None

    def stale(self, now: float) -> bool:
        if now > self.expires:
            return True
        if self.host == socket.gethostname() and self.pid == os.getpid():
            with _ACTIVE_LOCK:
                return self.token not in _ACTIVE  # left by a deploy of this process that failed
        return False


@dataclass
class DeployLock:
    aws: Aws
    spec: Spec
    wait: float = 300.0  # how long to wait for another deploy to finish
    on_wait: Callable[[str], None] = lambda message: None
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    held: Holder | None = None
    available: bool = True
    _stop: threading.Event = field(default_factory=threading.Event)
    _renewer: threading.Thread | None = None

    @property
    def lock_name(self) -> str:
        return prefix(self.spec) + "deploy-lock"

    @property
    def serial_name(self) -> str:
        return prefix(self.spec) + "deploy-serial"

    def _ssm(self) -> Any:
        return self.aws.client("ssm", probe=bool(self.aws.options.endpoint_url))

    def serial(self) -> str | None:
        """The token of the last deploy that released the lock (None: never deployed)."""
        try:
            return str(self._ssm().get_parameter(Name=self.serial_name)["Parameter"]["Value"])
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "ParameterNotFound":
                return None
            if self._unavailable(exc):
                return UNAVAILABLE
            raise translate(exc, operation="ssm:GetParameter (deploy lock)") from None

    def _unavailable(self, exc: BaseException) -> bool:
        code = error_code(exc)
        return is_unimplemented(exc) or code in ("AccessDeniedException", "AccessDenied")

    def acquire(self) -> bool:
        """Take the lock, waiting up to ``wait`` seconds; True when it was not free at once
        (another deploy held it, or a stale one was taken over): the account must be read again.
        """
        deadline = self.clock() + self.wait
        contended = False
        while True:
            now = self.clock()
            me = Holder(secrets.token_hex(8), socket.gethostname(), os.getpid(), now, now + LEASE)
            try:
                self._ssm().put_parameter(
                    Name=self.lock_name,
                    Value=me.text(),
                    Type="String",
                    Overwrite=False,
                    Description="wsspec deploy lock (deleted when the deploy ends)",
                    Tags=[{"Key": OWNER_TAG, "Value": owner_value(self.spec)}],
                )
            except Exception as exc:  # noqa: BLE001
                if self._unavailable(exc):
                    self.available = False
                    return False
                if error_code(exc) != "ParameterAlreadyExists":
                    raise translate(exc, operation="ssm:PutParameter (deploy lock)") from None
                contended = True
                self._contended(deadline)
                continue
            with _ACTIVE_LOCK:
                _ACTIVE.add(me.token)
            self.held = me
            self._renewer = threading.Thread(target=self._renew, daemon=True)
            self._renewer.start()
            return contended

    def _contended(self, deadline: float) -> None:
        """The lock exists: take it over when stale, else wait (or give up at the deadline)."""
        other = self._current()
        now = self.clock()
        if other is None or other.stale(now):
            self._delete(self.lock_name)
            if other is not None:
                self.on_wait(f"took over the stale deploy lock of {other.describe()}")
            return
        if now >= deadline:
            raise aws_error(
                f"another deploy of {self.spec.api.name} is running ({other.describe()}); "
                "nothing was changed",
                "run again when it has finished; the lock of a deploy that died expires "
                f"{int(LEASE)} s after its last renewal",
                "WS932",
            )
        self.on_wait(f"waiting for another deploy of {self.spec.api.name} ({other.describe()})")
        self.sleep(min(POLL, max(0.0, deadline - now)))

    def _current(self) -> Holder | None:
        try:
            value = self._ssm().get_parameter(Name=self.lock_name)["Parameter"]["Value"]
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "ParameterNotFound":
                return None
            raise translate(exc, operation="ssm:GetParameter (deploy lock)") from None
        return Holder.parse(str(value))

    def _delete(self, name: str) -> None:
        try:
            self._ssm().delete_parameter(Name=name)
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) != "ParameterNotFound":
                raise translate(exc, operation="ssm:DeleteParameter (deploy lock)") from None

    def _renew(self) -> None:
        while not self._stop.wait(RENEW):
            held = self.held
            if held is None:
                return
            try:
                current = self._current()
                if current is None or current.token != held.token:
                    return  # taken over (this deploy stalled past its lease): never overwrite
                held.expires = self.clock() + LEASE
                self._ssm().put_parameter(Name=self.lock_name, Value=held.text(), Overwrite=True)
            except Exception:  # noqa: BLE001 - a failed renewal is retried at the next tick
                continue

    def release(self, *, forget: bool = False, wrote: bool = True) -> str | None:
        """Record this deploy as the last one (``forget``: delete the record, after a full
        destroy; ``wrote=False``: nothing was changed, leave the record as it is) and delete the
        lock. Never raises: a lock that cannot be released is stale once its lease ends, so a
        failure is returned as a warning."""
        held, self.held = self.held, None
        self._stop.set()
        if held is None:
            return None
        if self._renewer is not None:
            self._renewer.join(timeout=RENEW)  # a renewal in flight must not re-create the lock
        try:
            if self.clock() < held.expires - LEASE / 2:
                self._release_fresh(held, forget=forget, wrote=wrote)
            else:
                self._release_checked(held, forget=forget, wrote=wrote)
        except Exception as exc:  # noqa: BLE001
            return (
                f"the deploy lock {self.lock_name} could not be released ({exc}); "
                f"it expires {int(LEASE)} s after this deploy"
            )
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE.discard(held.token)
        return None

    def _release_fresh(self, held: Holder, *, forget: bool, wrote: bool) -> None:
        """Release a lock whose lease was taken or renewed within the last half lease: nobody
        can have taken it over (that needs the lease to have ended), so it is deleted without
        reading it first. A full destroy deletes the record and the lock in one request
        (``DeleteParameters``, the record named first); where that is refused, one by one.
        SSM does not document the order of the deletes within one request: a deploy would
        wrongly keep a plan made during this destroy only if it took the lock and read the
        unchanged record (two requests of its own) inside this one request."""
        if wrote and forget:
            try:
                self._ssm().delete_parameters(Names=[self.serial_name, self.lock_name])
                return
            except Exception as exc:  # noqa: BLE001
                if not self._unavailable(exc):
                    raise translate(exc, operation="ssm:DeleteParameters (deploy lock)") from None
        if wrote:
            self._record(held.token, forget)  # before the lock goes: the next holder reads it
        self._delete(self.lock_name)

    def _release_checked(self, held: Holder, *, forget: bool, wrote: bool) -> None:
        """Release a lock whose lease may have ended: deleted only when it is still this
        deploy's. The record is written and the lock read at once (two round trips, not
        three); the lock is deleted only after both, so whoever takes it next reads this
        deploy's record."""
        one = ThreadPoolExecutor(max_workers=1)
        try:
            record = one.submit(self._record, held.token, forget) if wrote else None
            current = self._current()
            if record is not None:
                record.result()
            if current is not None and current.token == held.token:
                self._delete(self.lock_name)
        finally:
            one.shutdown(wait=True)

    def _record(self, token: str, forget: bool) -> None:
        """Write ``token`` as the last deploy (``forget``: delete the record)."""
        if forget:
            self._delete(self.serial_name)
        else:
            self._ssm().put_parameter(
                Name=self.serial_name,
                Value=token,
                Type="String",
                Overwrite=True,
                Description="wsspec: the last deploy of this spec",
            )
