"""Throwaway PostgreSQL cluster for tests: one per run on a private unix socket, a fresh database per test."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.schema import migrate

ENV_VAR = "ADDIN_TEST_DATABASE"
TEMPLATE = "addin_template"
# Durability is pointless for a cluster deleted at the end of the run; these make it several times faster.
# The server's zone is deliberately not UTC (as on many real servers), so code assuming UTC answers shows up.
SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200 -c timezone=Pacific/Chatham"
)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL was asked for but could not be started or reached."""


def requested() -> bool:
    """True when ADDIN_TEST_DATABASE=postgresql: database-backed tests must then run on PostgreSQL."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value not in ("", "sqlite", "postgresql"):
        raise PostgresUnavailable(f"{ENV_VAR}={value!r}: expected 'postgresql' or 'sqlite' (the default)")
    return value == "postgresql"


def _bin_dir() -> Path:
    """Where initdb and pg_ctl live: $ADDIN_PG_BINDIR, PATH, or Debian's newest /usr/lib/postgresql/*/bin."""
    if os.environ.get("ADDIN_PG_BINDIR"):
        return Path(os.environ["ADDIN_PG_BINDIR"])
    if found := shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not candidates:
        raise PostgresUnavailable(
            "initdb not found: install PostgreSQL (`apt-get install -y postgresql`, "
            "or `make db-deps`) or set ADDIN_PG_BINDIR"
        )
    return Path(candidates[-1]).parent


class Cluster:
    """A private PostgreSQL server in a temporary folder, trusting local connections; `stop()` deletes it."""

    def __init__(self):
        self.root: Path | None = None
        self._names = itertools.count(1)
        self._as_owner: list[str] = []
        self._bindir = Path()

    def start(self) -> Cluster:
        """initdb + pg_ctl start (as the `postgres` OS user when run as root), then build the template."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise PostgresUnavailable("psycopg is not installed: pip install -e '.[test,postgres]'") from None
        self._bindir = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="addin-pg-"))
        try:
            if os.geteuid() == 0:  # initdb refuses root: the server runs as the postgres user
                shutil.chown(self.root, user="postgres", group="postgres")
                self._as_owner = ["runuser", "-u", "postgres", "--"]
            data, log = self.root / "data", self.root / "server.log"
            self._run(
                [
                    "initdb",
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ]
            )
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"{SERVER_OPTIONS} -k {self.root}",
                    "start",
                ],
                log,
            )
            self._admin(f"CREATE DATABASE {TEMPLATE}")
            migrate(self.url(TEMPLATE))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        if self.root is None:
            return
        if (self.root / "data" / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._as_owner,
                    str(self._bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                cwd=self.root,
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def url(self, database: str) -> str:
        """SQLAlchemy URL of one database of this cluster, over its unix socket."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    @contextmanager
    def fresh_database(self, migrated: bool = True):
        """A new database, cloned from the migrated template (or empty); dropped afterwards."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if migrated else 'template0'}")
        try:
            yield self.url(name)
        finally:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.root), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def _run(self, argv: list[str], log: Path | None = None) -> None:
        program = [str(self._bindir / argv[0]), *argv[1:]]
        done = subprocess.run(
            [*self._as_owner, *program], cwd=self.root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            server_log = log.read_text() if log and log.exists() else ""
            raise PostgresUnavailable(
                f"{argv[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}{server_log}"
            )

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
