"""Where the hot paths spend their time: cProfile of the deal view, sidebar open and pipeline, in process.

Run: python benchmarks/profile_hot_paths.py [--deals 2000] [--rounds 200] [--top 25]
Same data and tokens as benchmarks/api_latency.py; prints the top functions by cumulative time per route.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.api_latency import bench_app
from tests.standins.idp import TestIdentityProvider


def main() -> None:
    """Profile each route for `--rounds` requests after a warm-up and print the top functions."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with TestIdentityProvider() as idp, tempfile.TemporaryDirectory() as tmp:
        app, ids = bench_app(idp, tmp, args.deals)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {idp.mint(email='rep@demo.example')}"}
        routes = {
            "deal": f"/api/v1/deals/{ids['nw-fleet']}",
            "context": "/api/v1/context?email=nadia@northwind.example&email=leo@northwind.example",
            "pipeline": "/api/v1/pipeline",
        }
        for name, path in routes.items():
            assert client.get(path, headers=auth).status_code == 200
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.rounds):
                client.get(path, headers=auth)
            profiler.disable()
            print(f"==== {name}: {path} ({args.rounds} requests)")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
