"""Say clearly which service the test suite cannot reach, before pytest starts."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mamori"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def main() -> int:
    import psycopg
    import redis

    problems = []
    db_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    parsed = urlparse(db_url)
    try:
        # The test database is created by Django; reaching the server's own database is enough.
        psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except Exception as exc:
        problems.append(f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port}: {exc}")
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as exc:
        problems.append(f"Redis is not reachable at {redis_url}: {exc}")
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    if problems:
        print("Start the services or set DATABASE_URL / REDIS_URL (see README).", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
