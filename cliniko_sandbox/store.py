"""One SQLite connection shared by every server thread, behind one lock.

The sandbox is a test double, not a database server: a single serialised
connection is simple, fast enough for hundreds of requests a second and never
sees a half-written world. It is the sandbox's own database, never oncord's.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from cliniko_sandbox.schema import TABLES, VIEWS, ddl, typed_columns

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """Cliniko's wire form: UTC, seconds, trailing Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Accepts ISO 8601 with `Z` or an offset (or a bare date); returns aware UTC."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("time without zone")
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_id(value: Any) -> int | None:
    """An int64 id from `123` or `"123"`, else None: Cliniko's ids are int64 strings,
    and anything bigger would not fit SQLite's INTEGER either."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if not _DIGITS.fullmatch(text) or int(text) > INT64_MAX:
        return None
    return int(text)


class IdMint:
    """Cliniko-looking ids: 19-digit int64s, increasing, unique across tables."""

    BASE = 1_390_000_000_000_000_000

    def __init__(self, start: int = 0) -> None:
        self._lock = threading.Lock()
        self._next = start

    def take(self, count: int = 1) -> list[int]:
        with self._lock:
            first = self._next
            self._next += count
        # spread them out like Cliniko's (sparse, time-ordered)
        return [self.BASE + (first + i) * 7919 + (first + i) % 7 for i in range(count)]

    def one(self) -> int:
        return self.take(1)[0]

    @property
    def used(self) -> int:
        return self._next


class Store:
    """Thread-safe access to the world's tables, converting BOOL/JSON columns."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        if path != ":memory:":  # a kept world (`make run`): WAL survives a kill, NORMAL an OS crash
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        else:
            self.conn.execute("PRAGMA synchronous=OFF")
        self._bools = {t: typed_columns(t, "BOOL") for t in [*TABLES, *VIEWS]}
        self._jsons = {t: typed_columns(t, "JSON") for t in [*TABLES, *VIEWS]}

    def has_world(self) -> bool:
        """A complete world of this version: a file from an older sandbox is reseeded, not misread."""
        with self.lock:
            for table, columns in TABLES.items():
                found = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
                if found != set(columns):
                    return False
            views = {row[0] for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'view'")}
            return views == set(VIEWS)

    def close(self) -> None:
        """Fold the WAL back into the file, so a kept world is one file at rest."""
        with self.lock:
            self.conn.close()

    def recreate(self) -> None:
        with self.transaction() as conn:
            for view in VIEWS:
                conn.execute(f"DROP VIEW IF EXISTS {view}")
            for table in TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in ddl():
                conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def get(self, table: str, row_id: int) -> dict[str, Any] | None:
        rows = self.select(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        return self.decode(table, rows[0]) if rows else None

    def decode(self, table: str, row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
        data = dict(row)
        for name in self._bools[table]:
            if data.get(name) is not None:
                data[name] = bool(data[name])
        for name in self._jsons[table]:
            if data.get(name) is not None:
                data[name] = json.loads(data[name])
        return data

    def encode(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        data = dict(values)
        for name in self._jsons[table] & data.keys():
            if data[name] is not None:
                data[name] = json.dumps(data[name], ensure_ascii=False)
        for name in self._bools[table] & data.keys():
            if data[name] is not None:
                data[name] = int(bool(data[name]))
        return data

    def insert(self, table: str, values: Mapping[str, Any]) -> None:
        self.insert_many(table, [values])

    def insert_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        cols = list(TABLES[table])
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        encoded = (self.encode(table, row) for row in rows)
        with self.transaction() as conn:
            conn.executemany(sql, ([row.get(c) for c in cols] for row in encoded))

    def insert_tuples(self, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Fast path for seeding: rows already encoded, in `cols` order."""
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with self.transaction() as conn:
            conn.executemany(sql, rows)

    def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> None:
        if not values:
            return
        data = self.encode(table, values)
        assignments = ", ".join(f"{name} = ?" for name in data)
        with self.transaction() as conn:
            conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*data.values(), row_id])

    def delete(self, table: str, row_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
