# A PostgreSQL 15 cluster of a test's own: initdb and pg_ctl from
# /usr/lib/postgresql/15/bin, run as the unprivileged user nobody (initdb
# refuses root), listening only on a Unix socket inside the cluster
# directory.  pg_stop (call it from the test's cleanup) stops it and
# removes it, also after a failure.
#   pg_start DIR    sets PG_CONNINFO ("host=DIR/sock dbname=ward user=ward")
#   pg_sql "SQL"    one query through psql, unaligned, no header
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""

pg_as() { runuser -u nobody -- "$@"; }

pg_start() {
	PG_DIR=$1
	mkdir -p "$PG_DIR/sock"
	chown -R nobody: "$PG_DIR"
	chmod 755 "$PG_DIR" "$PG_DIR/sock"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U ward -A trust -E UTF8 --locale=C.UTF-8 \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-k $PG_DIR/sock -c listen_addresses= -c max_connections=200" start \
		>/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
	pg_as "$PG_BIN/createdb" -h "$PG_DIR/sock" -U ward ward || return 1
	PG_CONNINFO="host=$PG_DIR/sock dbname=ward user=ward"
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	PG_DIR=""
}

pg_sql() {
	psql -X -q -A -t "$PG_CONNINFO" -c "$1" 2>&1
}
