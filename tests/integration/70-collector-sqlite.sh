#!/usr/bin/env bash
# The collector's ingest suite (tests/lib/collector-suite.sh) on SQLite.
COLL_BACKEND=sqlite
. "$(dirname "$0")/../lib/collector-suite.sh"
