"""The spend ledger: every answer's cost in SQLite (WAL), or in PostgreSQL with COS_DATABASE_URL (schema
`cos_ledger`, shared by every `cos serve` replica), and the budget check before every cloud call.

A cloud call first *reserves* its estimated cost, then *settles* with what the API reported (zero when it
reported nothing): as an answer, or as a failed attempt that cost what was reported but answered nothing. The
reservation runs inside `BEGIN IMMEDIATE`, which takes SQLite's write lock across processes (in PostgreSQL, a
transaction holding one advisory lock, across replicas), so the check
"committed spend + this estimate <= every cap" and the insert happen as one step: no interleaving of requests,
threads or processes can overspend. Committed spend counts settled and failed calls at their actual cost, and
open reservations at their estimate. The estimate is an upper bound (every prompt byte a token at the
cache-write price, every allowed output token), so settling never raises spend above what was reserved. A
reservation older than `stale_after` (the longest a call can take, plus a margin) belongs to a process that
died: it expires, but still counts at its estimate, since the API may have charged for it.

Local answers are recorded too (cost 0, with what Sonnet would have cost), so `cos costs` can show the saving
against sending everything to Sonnet. Days and months are the machine's local calendar; `at` is UTC.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.escalation.policy import Tier
from chief_of_staff.postgres import PostgresSchema, apply_migrations, pooled_connection, postgres_connection
from chief_of_staff.settings import BudgetCaps, Budgets

STALE_RESERVATION = dt.timedelta(minutes=15)  # default; load_escalation derives it from the client's limits

SCHEMA = """
CREATE TABLE IF NOT EXISTS spend (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,                 -- ISO time with offset
    day TEXT NOT NULL,                -- YYYY-MM-DD, local
    month TEXT NOT NULL,              -- YYYY-MM, local
    department TEXT NOT NULL,
    tier INTEGER NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('reserved', 'settled', 'failed', 'expired')),
    estimated_usd REAL NOT NULL DEFAULT 0,
    actual_usd REAL NOT NULL DEFAULT 0,
    sonnet_equivalent_usd REAL NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS spend_day ON spend (day, tier, department);
CREATE INDEX IF NOT EXISTS spend_month ON spend (month, tier, department);
"""
# The same table in PostgreSQL: its REAL is single precision, and ids come from an identity column. Versioned:
# a later change is a new statement at the end (postgres.apply_migrations), never an edit of these.
POSTGRES_MIGRATIONS = tuple(
    statement.strip() for statement in SCHEMA.replace("id INTEGER PRIMARY KEY",
                                                      "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
    .replace(" REAL ", " DOUBLE PRECISION ").split(";") if statement.strip())
LEDGER_LOCK = 0x436F_534C  # the advisory lock every PostgreSQL write transaction takes ("CoSL")

COPIED_COLUMNS = ("at, day, month, department, tier, model, status, estimated_usd, actual_usd, "
                  "sonnet_equivalent_usd, input_tokens, output_tokens, note")
COMMITTED = "CASE WHEN status IN ('reserved', 'expired') THEN estimated_usd ELSE actual_usd END"


class BudgetExceededError(ChiefOfStaffError):
    """A cloud call would go over a spend cap."""


class LedgerError(ChiefOfStaffError):
    """A query on the ledger's PostgreSQL database failed (SQLite raises sqlite3.Error)."""


@dataclass(frozen=True)
class Reservation:
    id: int
    tier: Tier
    department: str
    estimated_usd: float


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _utc(moment: dt.datetime) -> str:
    """Sortable as text whatever the local offset (daylight saving included)."""
    return moment.astimezone(dt.timezone.utc).isoformat()


class _Postgres:
    """A psycopg connection that reads the ledger's SQL, written with SQLite's `?` placeholders."""

    def __init__(self, conn: Any) -> None:
        import psycopg

        self.conn, self.errors = conn, psycopg.Error

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        try:
            return self.conn.execute(sql.replace("?", "%s"), args)
        except self.errors as exc:
            raise LedgerError(f"the spend ledger in PostgreSQL failed: {str(exc).strip().splitlines()[0]}") from None


class Ledger:
    def __init__(self, where: Path | PostgresSchema, budgets: Budgets,
                 stale_after: dt.timedelta = STALE_RESERVATION) -> None:
        self.where, self.budgets, self.stale_after = where, budgets, stale_after
        if isinstance(where, PostgresSchema):
            with postgres_connection(where, create_schema=True) as conn:
                apply_migrations(conn, "ledger", POSTGRES_MIGRATIONS)
            return
        where.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if isinstance(self.where, PostgresSchema):
            with pooled_connection(self.where) as conn:  # unreachable: ChiefOfStaffError
                yield _Postgres(conn)
            return
        db = sqlite3.connect(self.where, timeout=30.0, isolation_level=None)  # we run our own transactions
        try:
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._connection() as db:
            if isinstance(db, _Postgres):
                with db.conn.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(?)", (LEDGER_LOCK,))
                    yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- caps ---------------------------------------------------------------------------------------------------

    def _caps(self, tier: Tier, department: str) -> list[tuple[str, str, tuple[Any, ...], BudgetCaps]]:
        """(label, SQL filter, its arguments, caps) for every cap set that applies to `tier` for `department`."""
        tier_caps = self.budgets.opus if tier == Tier.OPUS else self.budgets.sonnet
        caps = [(tier.label, "tier = ?", (int(tier),), tier_caps)]
        if department in self.budgets.departments:
            caps.append((f"department {department}", "department = ?", (department,),
                         self.budgets.departments[department]))
        return caps

    def _left(self, db: Any, tier: Tier, department: str, now: dt.datetime) -> list[tuple[str, float]]:
        """(which cap, dollars left under it) for every cap that applies; smallest first."""
        day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
        left = []
        for label, where, args, caps in self._caps(tier, department):
            for period, key, cap in (("daily", "day", caps.daily_usd), ("monthly", "month", caps.monthly_usd)):
                if cap is None:
                    continue
                spent = db.execute(
                    f"SELECT COALESCE(SUM({COMMITTED}), 0) FROM spend WHERE {key} = ? AND tier IN (2, 3) AND {where}",
                    (day if key == "day" else month, *args),
                ).fetchone()[0]
                left.append((f"{label} {period} cap ${cap:.2f}", max(0.0, cap - spent)))
        return sorted(left, key=lambda item: item[1])

    def budget_left(self, tier: Tier, department: str, now: dt.datetime | None = None) -> float:
        """Dollars a call of `tier` for `department` may still spend now (inf when no cap applies)."""
        with self._connection() as db:
            left = self._left(db, tier, department, now or _now())
        return left[0][1] if left else float("inf")

    # -- recording ----------------------------------------------------------------------------------------------

    def reserve(self, tier: Tier, department: str, model: str, estimated_usd: float,
                sonnet_equivalent_usd: float = 0.0, now: dt.datetime | None = None) -> Reservation:
        """Hold `estimated_usd` against every cap, or raise BudgetExceededError naming the cap in the way."""
        now = now or _now()
        with self._write() as db:
            db.execute("UPDATE spend SET status = 'expired' WHERE status = 'reserved' AND at < ?",
                       (_utc(now - self.stale_after),))
            for label, left in self._left(db, tier, department, now):
                if estimated_usd > left or left <= 0:
                    raise BudgetExceededError(
                        f"{tier.label} call for {department} not made: its estimate ${estimated_usd:.4f} is over "
                        f"the ${left:.4f} left under the {label}"
                    )
            [reservation_id] = db.execute(
                "INSERT INTO spend (at, day, month, department, tier, model, status, estimated_usd, "
                "sonnet_equivalent_usd) VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?, ?) RETURNING id",
                (_utc(now), now.strftime("%Y-%m-%d"), now.strftime("%Y-%m"), department, int(tier), model,
                 estimated_usd, sonnet_equivalent_usd),
            ).fetchone()
        return Reservation(id=int(reservation_id), tier=tier, department=department, estimated_usd=estimated_usd)

    def extend(self, reservation: Reservation, more_usd: float, now: dt.datetime | None = None) -> Reservation:
        """Hold `more_usd` more for the same call (the next request of a tool-use turn), or raise
        BudgetExceededError naming the cap in the way; the reservation already held stays as it was."""
        now = now or _now()
        with self._write() as db:
            for label, left in self._left(db, reservation.tier, reservation.department, now):
                if more_usd > left:
                    raise BudgetExceededError(
                        f"{reservation.tier.label} call for {reservation.department} stopped after a tool call: the "
                        f"next request's estimate ${more_usd:.4f} is over the ${left:.4f} left under the {label}"
                    )
            db.execute("UPDATE spend SET estimated_usd = estimated_usd + ?, at = ? WHERE id = ?",
                       (more_usd, _utc(now), reservation.id))
        return replace(reservation, estimated_usd=reservation.estimated_usd + more_usd)

    def settle(self, reservation: Reservation, actual_usd: float, input_tokens: int = 0, output_tokens: int = 0,
               sonnet_equivalent_usd: float | None = None, note: str = "", answered: bool = True) -> None:
        """Replace the reservation by what the API reported (0 when it reported nothing); `answered=False` records
        a failed attempt: its cost counts, but it is not an answer (the local answer that stood is recorded)."""
        with self._write() as db:
            db.execute(
                "UPDATE spend SET status = ?, actual_usd = ?, input_tokens = ?, output_tokens = ?, note = ?, "
                "sonnet_equivalent_usd = COALESCE(?, sonnet_equivalent_usd) WHERE id = ?",
                ("settled" if answered else "failed", actual_usd, input_tokens, output_tokens, note,
                 0.0 if not answered else sonnet_equivalent_usd, reservation.id),
            )

    def record_local(self, tier: Tier, department: str, model: str, sonnet_equivalent_usd: float,
                     input_tokens: int = 0, output_tokens: int = 0, note: str = "",
                     now: dt.datetime | None = None) -> None:
        """An answer that stayed on the machine: $0, and what Sonnet would have cost for the saving."""
        now = now or _now()
        with self._write() as db:
            db.execute(
                "INSERT INTO spend (at, day, month, department, tier, model, status, sonnet_equivalent_usd, "
                "input_tokens, output_tokens, note) VALUES (?, ?, ?, ?, ?, ?, 'settled', ?, ?, ?, ?)",
                (_utc(now), now.strftime("%Y-%m-%d"), now.strftime("%Y-%m"), department, int(tier), model,
                 sonnet_equivalent_usd, input_tokens, output_tokens, note),
            )

    def copy_to(self, target: Ledger) -> int:
        """Every entry of this ledger appended to `target` (`cos db copy`); refused when `target` has entries
        already, so that no spend is ever counted twice. Returns the entries copied."""
        with self._connection() as db:
            entries = db.execute(f"SELECT {COPIED_COLUMNS} FROM spend ORDER BY id").fetchall()
        with target._write() as db:
            [already] = db.execute("SELECT COUNT(*) FROM spend").fetchone()
            if already:
                raise ChiefOfStaffError(f"the ledger at {target.where} already has {already} entries: not copied, "
                                        "so that no spend counts twice")
            for entry in entries:
                db.execute(f"INSERT INTO spend ({COPIED_COLUMNS}) VALUES ({', '.join('?' * len(entry))})",
                           tuple(entry))
        return len(entries)

    # -- reading ------------------------------------------------------------------------------------------------

    def summary(self, now: dt.datetime | None = None, days: int = 30) -> dict[str, Any]:
        """Spend by day, tier and department (settled calls), budget left per cap, and the saving."""
        now = now or _now()
        since = (now - dt.timedelta(days=days - 1)).strftime("%Y-%m-%d")
        with self._connection() as db:
            def grouped(column: str) -> list[dict[str, Any]]:
                rows = db.execute(
                    f"SELECT {column}, SUM(CASE WHEN status = 'settled' THEN 1 ELSE 0 END), SUM(actual_usd), "
                    "SUM(sonnet_equivalent_usd) "
                    f"FROM spend WHERE status IN ('settled', 'failed') AND day >= ? GROUP BY {column} "
                    f"ORDER BY {column}", (since,),
                ).fetchall()
                return [{column: key, "answers": n, "cost_usd": round(cost, 6), "sonnet_equivalent_usd": round(eq, 6)}
                        for key, n, cost, eq in rows]

            by_tier, by_day, by_department = grouped("tier"), grouped("day"), grouped("department")
            left = {f"tier {int(t)} ({t.label})": [{"cap": label, "left_usd": round(v, 6)}
                                                  for label, v in self._left(db, t, "", now)]
                    for t in (Tier.SONNET, Tier.OPUS)}
            for name in self.budgets.departments:
                left[f"department {name}"] = [{"cap": label, "left_usd": round(v, 6)}
                                              for label, v in self._left(db, Tier.SONNET, name, now)
                                              if label.startswith("department")]
        spent = sum(row["cost_usd"] for row in by_tier)
        all_sonnet = sum(row["sonnet_equivalent_usd"] for row in by_tier)
        answers = sum(row["answers"] for row in by_tier)
        local = sum(row["answers"] for row in by_tier if row["tier"] in (1, 4))
        return {
            "since": since, "until": now.strftime("%Y-%m-%d"), "answers": answers,
            "local_share": round(local / answers, 4) if answers else None,
            "cost_usd": round(spent, 6), "all_sonnet_usd": round(all_sonnet, 6),
            "saving_usd": round(all_sonnet - spent, 6),
            "by_day": by_day, "by_tier": by_tier, "by_department": by_department,
            "budget_left": left,
        }
