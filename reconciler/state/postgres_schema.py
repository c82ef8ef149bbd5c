"""The PostgreSQL backend's schema and catalogue queries: tables `states` (a header row per
workspace) and `state_entries` (a row per record), `locks`, `keys`, the append-only `audit` and
`handout` (sealed generated passwords), created (or extended) on first use."""

from __future__ import annotations

DDL = (
    "CREATE TABLE IF NOT EXISTS {schema}.states (workspace text PRIMARY KEY, lineage text NOT NULL,"
    " serial bigint NOT NULL, data bytea NOT NULL, updated_at timestamptz NOT NULL)",
    # `data`: the whole document in the first layout; empty once its entries have rows.
    "ALTER TABLE {schema}.states ADD COLUMN IF NOT EXISTS format_version integer,"
    " ADD COLUMN IF NOT EXISTS key_check text",
    "CREATE TABLE IF NOT EXISTS {schema}.state_entries (workspace text NOT NULL,"
    " kind text NOT NULL, key text NOT NULL, entry text NOT NULL,"
    " PRIMARY KEY (workspace, kind, key))",
    "CREATE TABLE IF NOT EXISTS {schema}.locks (workspace text PRIMARY KEY, info jsonb NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.keys (workspace text PRIMARY KEY, key bytea NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.audit (id bigserial PRIMARY KEY, workspace text NOT NULL,"
    " trader text NOT NULL, entry jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS {schema}.handout (id text PRIMARY KEY, workspace text NOT NULL,"
    " sealed bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
    " delivered_at timestamptz)",
    "CREATE INDEX IF NOT EXISTS audit_by_trader ON {schema}.audit (workspace, trader, id)",
    # Append-only: rows can be added, never changed or deleted (short of dropping the trigger).
    "CREATE OR REPLACE FUNCTION {schema}.audit_is_append_only() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
    "CREATE OR REPLACE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
    " ON {schema}.audit FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_is_append_only()",
)
TABLES = ("states", "state_entries", "locks", "keys", "audit", "handout")
SCHEMA_EXISTS = "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = %s)"
TABLE_COUNT = (
    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = ANY(%s)"
)
ADVISORY_HOLDERS = """
    SELECT pid FROM pg_catalog.pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND classid::int8 = %s AND objid::int8 = %s
"""

__all__ = ["ADVISORY_HOLDERS", "DDL", "SCHEMA_EXISTS", "TABLES", "TABLE_COUNT"]
