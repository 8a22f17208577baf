"""PostgreSQL row-level security: the database's own wall around personal data (P4).

The application already scopes every read (`scope_for`); this is the second wall, for
the day a query forgets to. Each connection carries one setting,
`himaya.organisation_ids`:

- `*`  every row (mission staff, vendors, aggregate-only roles, the task worker and CLI);
- `12,15`  only rows of those organisations (partner staff);
- empty or unset  no row at all: a connection nobody scoped sees nothing (fail closed).

The middleware sets it at the start of each request from the signed-in user (or the API
token's user), and `request_finished` puts the process default back — sent before the
connection's next statement, and not at all when that statement wants the value the
connection already has (docs/decisions/0504-api-token-fast-path.md). The process default
is `*` only in system processes (`HIMAYA_DB_SCOPE=system`, set by the `himaya` command for
everything but `runserver`); gunicorn workers start closed.

The policies apply only to the application's role: the owner that runs migrations is
exempt as owner (no FORCE), and superusers and BYPASSRLS roles are exempt by PostgreSQL's
rule, which is why production must connect as a role that is neither (see
`himaya create-app-role` and docs/operations.md).
"""

from __future__ import annotations

import os
import re
from typing import Any

from django.db import connection

SETTING = "himaya.organisation_ids"
EVERYTHING = "*"
NOTHING = ""

# Tables that carry the owning organisation in a column.
OWNED_TABLES: dict[str, str] = {
    "registry_person": "organisation_id",
    "registry_household": "organisation_id",
    "assistance_delivery": "organisation_id",
    "assistance_referral": "organisation_id",
    "assistance_distribution": "organisation_id",
    "vouchers_voucher": "partner_id",
    "intake_importbatch": "organisation_id",
    "protection_erasurerequest": "organisation_id",
    # A registration alert belongs to the association whose agent registered the person.
    "dedup_registrationalert": "organisation_id",
}
# Tables reached through a parent: a row is visible when its parent row is (the parent's
# own policy applies inside the sub-query, so the rule is never restated).
CHILD_TABLES: dict[str, tuple[str, str]] = {
    "registry_searchkey": ("person_id", "registry_person"),
    "registry_persondocument": ("person_id", "registry_person"),
    "registry_consent": ("person_id", "registry_person"),
    "registry_personversion": ("person_id", "registry_person"),
    "registry_person_languages": ("person_id", "registry_person"),
    "registry_person_vulnerabilities": ("person_id", "registry_person"),
    "registry_householdmember": ("household_id", "registry_household"),
    "assistance_distributiontarget": ("person_id", "registry_person"),
    "assistance_referralshare": ("referral_id", "assistance_referral"),
    "assistance_referralproof": ("referral_id", "assistance_referral"),
    "vouchers_voucherevent": ("voucher_id", "vouchers_voucher"),
    "vouchers_redemption": ("voucher_id", "vouchers_voucher"),
    "vouchers_voucher_vendors": ("voucher_id", "vouchers_voucher"),
    "protection_anonymisation": ("person_id", "registry_person"),
    "dedup_decision": ("pair_id", "dedup_candidatepair"),
}
# Tables that link two people: a row is visible only when both are, as the application's
# own scoping of pairs and merges has it (dedup.queries); a merge's snapshot holds both
# records' identifiers. Deduplication runs are not here: they hold no personal data (an
# organisation, counts, thresholds), and a pair's run must stay readable to its reviewers.
JOINT_CHILD_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "dedup_candidatepair": (("person_low_id", "registry_person"), ("person_high_id", "registry_person")),
    "dedup_merge": (("survivor_id", "registry_person"), ("absorbed_id", "registry_person")),
}
POLICY = "himaya_scope"
FUNCTION = "himaya_rls_allows"


def scope_value(scope: Any) -> str:
    """The setting for a user's scope (`himaya.accounts.scopes.Scope`)."""
    if scope.is_partner:
        return str(scope.organisation_id) if scope.organisation_id is not None else NOTHING
    if scope.is_mission or scope.is_vendor or scope.is_outside_viewer or scope.is_anonymous:
        # Vendors check vouchers of every partner; outside roles and the public site read
        # aggregates over every row (their routes return no rows: P3, proven by the sweep).
        return EVERYTHING
    return NOTHING  # signed in without a membership: nothing


def process_default() -> str:
    return EVERYTHING if os.environ.get("HIMAYA_DB_SCOPE") == "system" else NOTHING


# --- Keeping the setting in step without a round trip per request ---------------------
#
# Each Django connection remembers the value it wants (`desired`: what set_scope or the end
# of a request asked for) and the value the server holds (`actual`, None when unsure).
# A wrapper around every statement the connection runs (`_guard`) sends
# `set_config` first whenever they differ: so a statement never runs under another value
# than the one asked for, and a till whose calls all want the same value pays nothing.
# The end of a request only asks for the process default; the next statement, whichever
# comes first — the next request's, or anything else's — brings the server to it.
#
# A value set inside a transaction is undone by PostgreSQL if the transaction (or a
# savepoint) rolls back: such a value is `provisional`, and forgotten (actual = None, so
# set again) as soon as the transaction is over or any ROLLBACK runs. A statement that
# names the setting itself (`SET`/`RESET himaya.organisation_ids` by hand) also makes the
# actual value unknown. Server-side, nothing else changes a session setting.


class _ScopeState:
    __slots__ = ("actual", "desired", "provisional", "syncing")

    def __init__(self, desired: str) -> None:
        self.desired = desired
        self.actual: str | None = None
        self.provisional = False
        self.syncing = False


def _state(conn: Any) -> _ScopeState:
    state = getattr(conn, "_himaya_scope", None)
    if state is None:
        state = conn._himaya_scope = _ScopeState(process_default())
    return state


def _in_transaction(conn: Any) -> bool:
    from psycopg.pq import TransactionStatus

    raw = conn.connection
    return raw is not None and raw.info.transaction_status in (
        TransactionStatus.INTRANS, TransactionStatus.INERROR, TransactionStatus.ACTIVE)


def _sync(conn: Any, state: _ScopeState) -> None:
    """Bring the server's setting to the desired value (one round trip) if it may differ."""
    if state.provisional and not _in_transaction(conn):
        state.actual, state.provisional = None, False  # its transaction is over: maybe undone
    if state.actual == state.desired:
        return
    value = state.desired
    state.actual, state.syncing = None, True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])
    finally:
        state.syncing = False
    state.actual, state.provisional = value, _in_transaction(conn)


def _guard(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    conn = context["connection"]
    state = _state(conn)
    if state.syncing:
        return execute(sql, params, many, context)
    from psycopg.pq import TransactionStatus

    raw = conn.connection
    if raw is None or raw.info.transaction_status != TransactionStatus.INERROR:
        _sync(conn, state)  # (a failed transaction refuses everything but its rollback)
    try:
        return execute(sql, params, many, context)
    finally:
        if isinstance(sql, str) and (
                (state.provisional and sql.lstrip()[:8].upper() == "ROLLBACK") or SETTING in sql):
            state.actual = None


def set_scope(value: str) -> None:
    """Set the setting for this connection (session level, so streamed bodies keep it):
    at once, unless the server already holds this value."""
    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    state = _state(connection)
    state.desired = value
    _sync(connection, state)


def current_scope() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        return cursor.fetchone()[0]


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:  # noqa: ARG001
    if connection.vendor != "postgresql":
        return
    if _guard not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _guard)  # outermost: counters see its statement
    # A new server session: nothing known about it; the process default, at once.
    state = connection._himaya_scope = _ScopeState(process_default())
    _sync(connection, state)


def on_request_finished(sender: Any, **kwargs: Any) -> None:  # noqa: ARG001
    """Back to the process default once the response (streamed or not) is sent: asked for
    here, sent before the connection's next statement (none if that wants the same value)."""
    if connection.vendor != "postgresql":
        return
    _state(connection).desired = process_default()


# --- The SQL of the migration, kept here so that the test and the docs read the same list.

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(owner bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE coalesce(current_setting('{SETTING}', true), '')
    WHEN '' THEN false
    WHEN '{EVERYTHING}' THEN true
    ELSE owner = ANY (string_to_array(current_setting('{SETTING}', true), ',')::bigint[])
  END
$$;
"""


def enable_statements(existing: set[str] | None = None) -> list[str]:
    """The DDL for every protected table (those in `existing`, when given: a table that a
    later migration creates is covered by re-running this from a later migration)."""
    statements = [FUNCTION_SQL]
    for table, column in OWNED_TABLES.items():
        if existing is not None and table not in existing:
            continue
        rule = f"{FUNCTION}({column})"
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} USING ({rule}) WITH CHECK ({rule})",
        ]
    for table, (column, parent) in CHILD_TABLES.items():
        if existing is not None and table not in existing:
            continue
        # Table and column names are the constants above, never input.
        rule = f"EXISTS (SELECT 1 FROM {parent} parent WHERE parent.id = {table}.{column})"  # noqa: S608
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} USING ({rule}) WITH CHECK ({rule})",
        ]
    for table, parents in JOINT_CHILD_TABLES.items():
        if existing is not None and table not in existing:
            continue
        # Table and column names are the constants above, never input.
        rule = " AND ".join(
            f"EXISTS (SELECT 1 FROM {parent} parent WHERE parent.id = {table}.{column})"  # noqa: S608
            for column, parent in parents)
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} USING ({rule}) WITH CHECK ({rule})",
        ]
    return statements


def disable_statements(existing: set[str] | None = None) -> list[str]:
    statements = []
    for table in protected_tables():
        if existing is not None and table not in existing:
            continue
        statements += [
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
        ]
    return [*statements, f"DROP FUNCTION IF EXISTS {FUNCTION}(bigint)"]


def protected_tables() -> list[str]:
    return [*OWNED_TABLES, *CHILD_TABLES, *JOINT_CHILD_TABLES]


def apply(schema_editor: Any, *, enable: bool) -> None:
    """Run from migrations: PostgreSQL only, and only on the tables that exist by then."""
    if schema_editor.connection.vendor != "postgresql":
        return
    existing = set(schema_editor.connection.introspection.table_names())
    for statement in (enable_statements if enable else disable_statements)(existing):
        schema_editor.execute(statement)


ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_statements(role: str, password: str | None = None) -> list[str]:
    """Create (or refresh) the application's role: may read and write, owns nothing, no bypass."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"{role!r}: use lower-case letters, digits and underscores")
    login = "LOGIN" if password is not None else "NOLOGIN"
    create = f"CREATE ROLE {role} {login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
    if password is not None:
        create += " PASSWORD '" + password.replace("'", "''") + "'"
    return [
        # The role name matched ROLE_NAME above: letters, digits and underscores only.
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "  # noqa: S608
        f"THEN {create}; END IF; END $$",
        f"ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # The audit trail is append-only for the application too (P14); only the actor link
        # may be cleared, when a user account is removed.
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {role}",
        f"GRANT UPDATE (actor_id) ON audit_auditevent TO {role}",
        # Tables that later migrations create are granted too, without another step.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ]
