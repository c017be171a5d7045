"""Create the configured PostgreSQL database when it does not exist yet."""

from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql
from psycopg.conninfo import make_conninfo


class Command(BaseCommand):
    help = "Create the database named in DATABASE_URL if it is missing."

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        params: dict[str, Any] = {
            "dbname": "postgres",
            "user": db.get("USER") or "postgres",
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "password": db.get("PASSWORD") or None,
        }
        try:
            with psycopg.connect(
                make_conninfo(**{k: v for k, v in params.items() if v}), autocommit=True
            ) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                    self.stdout.write(f"Created database {db['NAME']}.")
        except psycopg.OperationalError as exc:
            raise CommandError(f"PostgreSQL is not reachable ({exc}). Start it: see README.") from exc
