"""Print the PostgreSQL URL the tests should use, or nothing when no server answers."""

import os
import sys

url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
try:
    import psycopg

    psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as error:  # any failure means: no PostgreSQL pass
    print(f"PostgreSQL unreachable: {error}", file=sys.stderr)
    sys.exit(0)
print(url)
