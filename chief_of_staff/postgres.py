"""PostgreSQL for threads, scorecards and the spend ledger, when `COS_DATABASE_URL=postgresql://…` is set:
LangGraph's PostgresSaver on a psycopg 3 connection pool for threads and scorecards, plain psycopg for the ledger
(escalation/ledger.py), each store in its own schema (`cos_threads`, `cos_scorecards`, `cos_ledger`), so that
several `cos serve` processes share them. Without the URL, SQLite files in the data directory stay the default.

PostgresSaver creates its tables and applies its own versioned migrations (its `checkpoint_migrations` table) when
a store is opened; the schema is created first if it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chief_of_staff.errors import ChiefOfStaffError

SCHEMES = ("postgresql://", "postgres://")
POOL_SIZE = 4  # connections per process: `cos serve` answers turns on a few threads at once


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


def _unreachable(where: PostgresSchema, exc: Exception) -> ChiefOfStaffError:
    return ChiefOfStaffError(f"cannot open PostgreSQL at {where.describe()}: "
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


@contextmanager
def postgres_checkpointer(where: PostgresSchema) -> Iterator[Any]:
    """A PostgresSaver on `where`, set up (tables and migrations) before it is yielded."""
    with postgres_connection(where, create_schema=True):
        pass
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        raise _missing(exc) from None
    try:
        pool = ConnectionPool(where.url, min_size=1, max_size=POOL_SIZE, open=True, timeout=30, kwargs={
            "autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
            "options": f"-c search_path={where.schema}"})
    except psycopg.Error as exc:
        raise _unreachable(where, exc) from None
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
    where = PostgresSchema(url, "public")
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
