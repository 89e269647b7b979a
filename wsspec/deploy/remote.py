"""Read the current state: everything found by natural key and wsspec's ownership tag.

Reads are batched (one paginated GetRoutes / GetIntegrations per API, one ListRoles by IAM
path, one ListFunctions) and the few per-item reads run in a thread pool; the readers of
the different services run concurrently. Operations an emulator lacks (moto 5.2.1:
GetAuthorizers, GetModels, GetRouteResponses, GetDeployments) are recorded in
``Current.gaps`` and inferred from the routes instead (see ``remote_apigw``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from wsspec.deploy import remote_apigw as apigw
from wsspec.deploy import remote_services as services
from wsspec.deploy import remote_usage as usage
from wsspec.deploy import tables
from wsspec.deploy.aws import Aws
from wsspec.deploy.current import Cur, Current, Reader
from wsspec.deploy.errors import translate
from wsspec.deploy.layers import read_layers
from wsspec.deploy.records import Res
from wsspec.model import Spec

__all__ = ["Cur", "Current", "read_current"]

READERS: tuple[Callable[[Reader], None], ...] = (
    apigw.read_api,
    services.read_functions,
    services.read_roles,
    services.read_table,
    tables.read_tables,
    tables.read_triggers,
    services.read_logs,
    apigw.read_vpc_links,
    apigw.read_domain,
    apigw.read_account,
    services.read_alarms,
    services.read_topic,
    usage.read_usage,
    read_layers,
)


def read_current(
    aws: Aws, spec: Spec, desired: list[Res], *, whole_api: bool = True, early: bool = False
) -> Current:
    """The current state of everything ``desired`` names (and what wsspec left behind).

    ``whole_api=False`` (a full destroy): only what must be deleted one by one is read, not
    the API's routes, integrations, stages … (deleting the API deletes them). ``early`` (a
    destroy: what the spec names most likely exists): the per-item reads of the named items
    (tags, policies) start beside the listings instead of after them (``Reader.early``), one
    round of calls fewer at the cost of a failed read for each named item that does not exist.
    """
    rd = Reader(aws, spec, desired, whole_api=whole_api, early=early)
    jobs = ThreadPoolExecutor(max_workers=len(READERS))  # one thread per service reader
    try:
        futures = [jobs.submit(read, rd) for read in READERS]
        for f in futures:
            f.result()
    except Exception as exc:  # noqa: BLE001
        raise translate(exc, endpoint=aws.options.endpoint_url) from None
    finally:
        rd.pool.shutdown(wait=False)
        jobs.shutdown(wait=False)
    return rd.cur
