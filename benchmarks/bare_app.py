"""The bare Flask app the throughput benchmark compares against: the same JSON, no work at all.

Served by gunicorn with addin_api/gunicorn_conf.py; BARE_JSON_DIR holds deal.json, context.json and
pipeline.json, captured from the real API's answers at the start of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

_DIR = Path(os.environ["BARE_JSON_DIR"])
_BODIES = {name: (_DIR / f"{name}.json").read_bytes() for name in ("deal", "context", "pipeline")}

app = Flask(__name__)


def _json(name: str) -> Response:
    return Response(_BODIES[name], mimetype="application/json")


@app.get("/api/v1/deals/<deal_id>")
def deal(deal_id):
    """The captured deal view."""
    return _json("deal")


@app.get("/api/v1/context")
def context():
    """The captured sidebar open."""
    return _json("context")


@app.get("/api/v1/pipeline")
def pipeline():
    """The captured pipeline page."""
    return _json("pipeline")


@app.get("/healthz")
def healthz():
    """Ready."""
    return {"status": "ok"}
