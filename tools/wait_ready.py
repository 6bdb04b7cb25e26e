"""Wait until a Deal Desk server answers /readyz, then print its preview URL (used by `make run`).

python tools/wait_ready.py http://127.0.0.1:8000 [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request


def ready(base_url: str) -> bool:
    """True when GET /readyz answers 200."""
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):  # not listening yet, or a worker still booting
        return False


def main(argv: list[str]) -> int:
    """Poll until ready (print the preview URL, exit 0) or the deadline (say so on stderr, exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if ready(base):
            print(f"Deal Desk is ready: {base}/preview", flush=True)
            return 0
        time.sleep(0.2)  # polling readiness with a deadline
    print(f"Deal Desk did not answer {base}/readyz within {args.timeout:g}s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
