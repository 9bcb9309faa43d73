"""Backing up and restoring the whole database, for both engines the platform runs on.

PostgreSQL (production): ``pg_dump --format=custom`` and ``pg_restore --clean --single-transaction``,
so a restore either replaces everything or changes nothing. SQLite (the embedded default):
SQLite's online backup API, which copies a consistent snapshot while the site keeps running.
The commands ``backup_db`` and ``restore_db`` call these; ``docs/deploy.md`` has the procedure.
"""

import os
import shutil
import sqlite3
import subprocess

from django.db import connections


class BackupError(Exception):
    pass


def _pg_env(settings_dict):
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def _run(args, env):
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or f"{args[0]} exited with {done.returncode}")


def backup(path, alias="default"):
    connection = connections[alias]
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump not found: install the PostgreSQL client (postgresql-client).")
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={path}", settings_dict["NAME"]], _pg_env(settings_dict))
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"unsupported database engine: {connection.vendor}")
    return path


def restore(path, alias="default"):
    """Replace the whole database with the backup at ``path`` (all or nothing)."""
    if not os.path.exists(path):
        raise BackupError(f"no such backup file: {path}")
    connection = connections[alias]
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore not found: install the PostgreSQL client.")
        connection.close()  # nothing of ours may hold locks on the tables being replaced
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", f"--dbname={settings_dict['NAME']}", path],
             _pg_env(settings_dict))
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(path)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"unsupported database engine: {connection.vendor}")
