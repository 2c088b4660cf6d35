#!/usr/bin/env bash
# The review console's suite (tests/lib/console-suite.sh) on SQLite.
COLL_BACKEND=sqlite
. "$(dirname "$0")/../lib/console-suite.sh"
