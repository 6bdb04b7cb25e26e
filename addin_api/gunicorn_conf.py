"""The one gunicorn configuration of `addin-api serve` (`gunicorn -c python:addin_api.gunicorn_conf`).

Workers × threads is justified in docs/performance.md (benchmarks/throughput.py): on 2 cores, 2 workers
use both cores for our CPU share (JSON, token checks, SQL), and 8 threads per worker keep a worker busy
while its requests wait on the CRM's own round trips (I/O-bound, ~50–300 ms each on a SaaS CRM).
"""

from __future__ import annotations

import os

workers = int(os.environ.get("ADDIN_WORKERS", "2"))
threads = int(os.environ.get("ADDIN_THREADS", "8"))
worker_class = "gthread"
accesslog = "-"
# Paths only: query strings carry participants' addresses. <pid> first: which worker answered (each keeps
# caches of its own).
access_log_format = '%(p)s %(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def settings(**overrides) -> dict:
    """This file's settings as a dict, with `overrides` (e.g. the bind address) applied."""
    names = ("workers", "threads", "worker_class", "accesslog", "access_log_format")
    values = {name: globals()[name] for name in names}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values
