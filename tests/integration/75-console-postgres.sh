#!/usr/bin/env bash
# The review console's suite (tests/lib/console-suite.sh) on PostgreSQL, in
# a cluster of its own (tests/lib/pg.sh).
COLL_BACKEND=postgres
. "$(dirname "$0")/../lib/console-suite.sh"
