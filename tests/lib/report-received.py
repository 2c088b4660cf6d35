#!/usr/bin/env python3
# What ward-collector holds of one agent's denials, decoded (a test helper):
#   report-received.py COLLECTOR_DB
# prints the file path of every stored decision record whose outcome is a
# denial, one per line, sorted.  The path is read from the signed record
# itself (the collector's columns keep only the file's name).
import base64
import json
import sqlite3
import sys


def payload(jws):
    body = jws.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(body + '=' * (-len(body) % 4)))


db = sqlite3.connect(sys.argv[1], timeout=30)
paths = set()
query = ("SELECT l.raw FROM leaves l JOIN chain c ON c.agent_id = l.agent_id AND c.seq = l.seq"
         " WHERE c.status = 'stored' AND l.kind = 'decision' AND l.outcome LIKE 'denied%'")
for (raw,) in db.execute(query):
    path = payload(raw).get('file', {}).get('path')
    if path:
        paths.add(path)
for path in sorted(paths):
    print(path)
