"""PostgreSQL for threads, scorecards and the spend ledger, when `COS_DATABASE_URL=postgresql://…` is set:
LangGraph's PostgresSaver on a psycopg 3 connection pool for threads and scorecards, plain psycopg for the ledger
(escalation/ledger.py), each store in its own schema (`cos_threads`, `cos_scorecards`, `cos_ledger`), so that
several `cos serve` processes share them. Without the URL, SQLite files in the data directory stay the default.

PostgresSaver creates its tables and applies its own versioned migrations (its `checkpoint_migrations` table) when
a store is opened; the schema is created first if it is missing. Our own stores (the ledger, calibrations) do the
same with `apply_migrations`: an ordered list of statements, each applied once, recorded in `cos_migrations`.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chief_of_staff.errors import ChiefOfStaffError, StoreUnavailableError

SCHEMES = ("postgresql://", "postgres://")
POOL_SIZE = 4  # connections per process: `cos serve` answers turns on a few threads at once
POOL_WAIT_S = 10.0  # how long a query waits for a pooled connection before the database counts as unreachable
MIGRATION_LOCK = 0x436F_534D  # the first key of the advisory lock a store's migration takes ("CoSM")


@dataclass(frozen=True)
class PostgresSchema:
    """One store (threads or scorecards) in a PostgreSQL database."""

    url: str
    schema: str

    def describe(self) -> str:
        """Where it is, without the password: 'cos@db.local:5432/chief schema cos_threads'."""
        parts = urlsplit(self.url)
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"{user}{parts.hostname or 'localhost'}{port}{parts.path} schema {self.schema}"


def _missing(exc: ImportError) -> ChiefOfStaffError:
    return ChiefOfStaffError(f"COS_DATABASE_URL needs PostgreSQL support ({exc.name} is missing): "
                             "pip install 'chief-of-staff[postgres]'")


def _unreachable(where: PostgresSchema, exc: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(f"cannot open PostgreSQL at {where.describe()}: "
                             f"{str(exc).strip().splitlines()[0]} (check COS_DATABASE_URL)")


@contextmanager
def postgres_connection(where: PostgresSchema, create_schema: bool = False) -> Iterator[Any]:
    """One autocommit psycopg connection whose search path is `where`'s schema (created first if asked)."""
    try:
        import psycopg
    except ImportError as exc:
        raise _missing(exc) from None
    try:
        conn = psycopg.connect(where.url, autocommit=True, connect_timeout=10,
                               options=f"-c search_path={where.schema}")
        if create_schema:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{where.schema}"')
    except psycopg.Error as exc:
        raise _unreachable(where, exc) from None
    with conn:
        yield conn


_pools: dict[tuple[int, PostgresSchema], Any] = {}
_pools_lock = threading.Lock()


def open_pool(where: PostgresSchema, **connection_options: Any) -> Any:
    """A psycopg pool on `where`'s schema that survives a database restart (each connection is checked before it
    is lent) and turns a database that is gone into StoreUnavailableError after POOL_WAIT_S, naming it."""
    try:
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout
    except ImportError as exc:
        raise _missing(exc) from None

    class NamedPool(ConnectionPool):
        @contextmanager
        def connection(self, timeout: float | None = None) -> Iterator[Any]:
            try:
                with super().connection(timeout) as conn:
                    yield conn
            except (PoolTimeout, psycopg.OperationalError) as exc:
                raise _unreachable(where, exc) from None

    with postgres_connection(where, create_schema=True):  # fails fast, naming the database, when it is unreachable
        pass
    return NamedPool(where.url, min_size=1, max_size=POOL_SIZE, open=True, timeout=POOL_WAIT_S,
                     check=ConnectionPool.check_connection,
                     kwargs={"autocommit": True, "options": f"-c search_path={where.schema}", **connection_options})


@contextmanager
def pooled_connection(where: PostgresSchema) -> Iterator[Any]:
    """An autocommit connection on `where`'s schema from this process's pool: a new connection costs about 5 ms
    on loopback (more across a network), a pooled one almost nothing, and the ledger takes one per reservation."""
    key = (os.getpid(), where)  # a forked child must not share its parent's sockets
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = open_pool(where)
            atexit.register(pool.close)
    with pool.connection() as conn:
        yield conn


def apply_migrations(conn: Any, store: str, migrations: Sequence[str]) -> int:
    """Apply the `migrations` of `store` not yet applied, in order, once each, under an advisory lock (replicas
    start together); returns the store's version (the index of its last migration)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MIGRATION_LOCK, store))
        conn.execute("CREATE TABLE IF NOT EXISTS cos_migrations (store TEXT NOT NULL, version INTEGER NOT NULL, "
                     "applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (store, version))")
        [done] = conn.execute("SELECT COALESCE(MAX(version), -1) FROM cos_migrations WHERE store = %s",
                              (store,)).fetchone()
        for version in range(done + 1, len(migrations)):
            conn.execute(migrations[version])
            conn.execute("INSERT INTO cos_migrations (store, version) VALUES (%s, %s)", (store, version))
    return len(migrations) - 1


@contextmanager
def postgres_checkpointer(where: PostgresSchema) -> Iterator[Any]:
    """A PostgresSaver on `where`, set up (tables and migrations) before it is yielded."""
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError as exc:
        raise _missing(exc) from None
    pool = open_pool(where, prepare_threshold=0, row_factory=dict_row)
    try:
        saver = PostgresSaver(pool)
        saver.setup()
        yield saver
    finally:
        pool.close()


THREAD_LOCKS = 0x436F_5354  # the first key of every thread's advisory lock ("CoST"); the second is its hash
LOCK_POLL_S = 0.05


@contextmanager
def thread_lock(url: str, thread_id: str, stop: Any) -> Iterator[bool]:
    """Hold a PostgreSQL session advisory lock for `thread_id` while a turn answers, so that replicas sharing the
    database take a thread's turns one after another instead of forking it: a second turn waits. Yields False when
    `stop` (a threading.Event) is set before the lock is held."""
    where = PostgresSchema(url, "cos_threads")  # the lock is per database; the schema names what it guards
    with postgres_connection(where) as conn:
        key = (THREAD_LOCKS, thread_id)
        while not conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", key).fetchone()[0]:
            if stop.wait(LOCK_POLL_S):
                yield False
                return
        try:
            yield not stop.is_set()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
