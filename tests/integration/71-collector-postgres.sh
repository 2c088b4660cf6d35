#!/usr/bin/env bash
# The collector's ingest suite (tests/lib/collector-suite.sh) on a
# PostgreSQL 15 cluster of its own (tests/lib/pg.sh).
COLL_BACKEND=postgres
. "$(dirname "$0")/../lib/collector-suite.sh"
