#!/usr/bin/env python3
# A small stand-in for ward-collector, for the sender's tests: the agent
# listener of docs/protocol.md §3 over real HTTPS with client certificates,
# written independently of Ward's C code (Python's ssl, hashlib and the
# `cryptography` package).  It verifies every record (signature with the
# ratcheted key, seq = head + 1, prev = head hash), keeps each seq once in
# SQLite (so a restart loses nothing), appends stored records to an RFC 6962
# Merkle tree, and answers with C2SP signed-note checkpoints, inclusion and
# consistency proofs.  Every answer it gave a record is kept (table results)
# for the tests to read.
#
#   collector-standin.py --dir DIR [--host IP] --port N --token TOKEN
#       [--crash-after K]   exit at once (no answer) after storing K records
#
# DIR holds ca.pem/ca.key (the CA, ECDSA P-256), server.pem/server.key,
# note.key (32 raw bytes, made on first start) and store.db.
import argparse
import base64
import hashlib
import http.server
import json
import os
import sqlite3
import ssl
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
import datetime

ORIGIN = 'ward-collector/standin'


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def leaf_hash(data):
    return hashlib.sha256(b'\x00' + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b'\x01' + left + right).digest()


class Tree:
    """RFC 6962 §2.1 over a list of leaf hashes, with every perfect subtree
    hash kept by level so proofs cost O(log^2 n)."""

    def __init__(self):
        self.levels = [[]]

    def append(self, h):
        self.levels[0].append(h)
        level, index = 0, len(self.levels[0]) - 1
        while index % 2 == 1:
            parent = node_hash(self.levels[level][index - 1], self.levels[level][index])
            level += 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(parent)
            index //= 2

    def size(self):
        return len(self.levels[0])

    def mth(self, lo, hi):
        n = hi - lo
        if n == 0:
            return hashlib.sha256(b'').digest()
        if n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            return self.levels[level][lo >> level]
        k = 1 << ((n - 1).bit_length() - 1)
        return node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def path(self, m, lo, hi):
        n = hi - lo
        if n <= 1:
            return []
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def subproof(self, m, lo, hi, whole):
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return self.subproof(m, lo, lo + k, whole) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def consistency(self, m, n):
        if m == 0 or m == n:
            return []
        return self.subproof(m, 0, n, True)


class Store:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute('PRAGMA journal_mode=WAL')
        self.db.execute('PRAGMA synchronous=FULL')
        self.db.executescript('''
            CREATE TABLE IF NOT EXISTS agents(id TEXT PRIMARY KEY, identity BLOB,
                key BLOB, key_index INT, head_seq INT, head_hash BLOB, heartbeats INT);
            CREATE TABLE IF NOT EXISTS records(agent TEXT, seq INT, hash BLOB, jws TEXT,
                leaf INT, PRIMARY KEY(agent, seq));
            CREATE TABLE IF NOT EXISTS held(agent TEXT, seq INT, jws TEXT,
                PRIMARY KEY(agent, seq));
            CREATE TABLE IF NOT EXISTS conflicts(agent TEXT, seq INT, jws TEXT);
            CREATE TABLE IF NOT EXISTS leaves(idx INTEGER PRIMARY KEY, hash BLOB);
            CREATE TABLE IF NOT EXISTS results(agent TEXT, seq INT, status TEXT, reason TEXT);
        ''')
        self.tree = Tree()
        for (h,) in self.db.execute('SELECT hash FROM leaves ORDER BY idx'):
            self.tree.append(h)


class Collector:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.store = Store(os.path.join(args.dir, 'store.db'))
        self.stored_since_start = 0
        keyfile = os.path.join(args.dir, 'note.key')
        if not os.path.exists(keyfile):
            with open(keyfile, 'wb') as f:
                f.write(os.urandom(32))
        with open(keyfile, 'rb') as f:
            self.note_key = Ed25519PrivateKey.from_private_bytes(f.read())
        pub = self.note_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)
        self.key_hash = hashlib.sha256(ORIGIN.encode() + b'\n\x01' + pub).digest()[:4]
        self.vkey = '%s+%s+%s' % (ORIGIN, self.key_hash.hex(),
                                  base64.b64encode(b'\x01' + pub).decode())
        with open(os.path.join(args.dir, 'ca.pem'), 'rb') as f:
            self.ca_pem = f.read()
        self.ca_cert = x509.load_pem_x509_certificate(self.ca_pem)
        with open(os.path.join(args.dir, 'ca.key'), 'rb') as f:
            self.ca_key = serialization.load_pem_private_key(f.read(), None)

    def checkpoint(self):
        size = self.store.tree.size()
        body = '%s\n%d\n%s\n' % (ORIGIN, size,
                                 base64.b64encode(self.store.tree.mth(0, size)).decode())
        sig = self.note_key.sign(body.encode())
        return body + '\n\u2014 %s %s\n' % (ORIGIN, base64.b64encode(self.key_hash + sig).decode())

    def proofs(self, known_size):
        size = self.store.tree.size()
        if known_size < 0 or known_size > size:
            known_size = 0
        return {'checkpoint': self.checkpoint(),
                'consistency': [h.hex() for h in self.store.tree.consistency(known_size, size)],
                'approvals': []}

    def enroll(self, body):
        h, p, s = body.strip().split('.')
        payload = json.loads(b64url_decode(p))
        identity = b64url_decode(payload['identity_key']['x'])
        Ed25519PublicKey.from_public_bytes(identity).verify(b64url_decode(s),
                                                            (h + '.' + p).encode())
        if payload['token'] != self.args.token:
            return 403, {'error': 'token', 'message': 'unknown token'}
        agent = hashlib.sha256(identity).hexdigest()[:32]
        csr = x509.load_pem_x509_csr(payload['csr'].encode())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(
            x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, agent)]))
            .issuer_name(self.ca_cert.subject).public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                           False)
            .sign(self.ca_key, hashes.SHA256()))
        key1 = b64url_decode(payload['ratchet_key']['x'])
        self.store.db.execute('INSERT OR REPLACE INTO agents VALUES(?,?,?,1,0,?,0)',
                              (agent, identity, key1, bytes(32)))
        out = {'agent_id': agent, 'ca_cert': self.ca_pem.decode(),
               'client_cert': cert.public_bytes(serialization.Encoding.PEM).decode(),
               'collector_key': self.vkey}
        out.update(self.proofs(0))
        return 200, out

    def verify_next(self, agent, jws):
        """The record after the agent's head, or why not."""
        row = self.store.db.execute('SELECT key, key_index, head_seq, head_hash FROM agents '
                                    'WHERE id=?', (agent,)).fetchone()
        key, key_index, head_seq, head_hash = row
        h, p, s = jws.split('.')
        payload = json.loads(b64url_decode(p))
        if payload['seq'] != head_seq + 1:
            return 'not next', None
        if payload['prev'] != head_hash.hex():
            return 'prev is not the head hash', None
        if payload['ratchet'] != key_index or payload['agent_id'] != agent:
            return 'wrong key index or agent', None
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(b64url_decode(s), (h + '.' + p).encode())
        except Exception:
            return 'bad signature', None
        return None, payload

    def store_next(self, agent, jws, payload):
        db, digest = self.store.db, hashlib.sha256(jws.encode()).digest()
        leaf = self.store.tree.size()
        db.execute('BEGIN IMMEDIATE')
        db.execute('INSERT INTO leaves VALUES(?,?)', (leaf, leaf_hash(jws.encode())))
        db.execute('INSERT INTO records VALUES(?,?,?,?,?)', (agent, payload['seq'], digest, jws, leaf))
        if 'next_key' in payload:
            db.execute('UPDATE agents SET key=?, key_index=key_index+1 WHERE id=?',
                       (b64url_decode(payload['next_key']['x']), agent))
        db.execute('UPDATE agents SET head_seq=?, head_hash=? WHERE id=?',
                   (payload['seq'], digest, agent))
        db.execute('DELETE FROM held WHERE agent=? AND seq=?', (agent, payload['seq']))
        db.execute('COMMIT')
        self.store.tree.append(leaf_hash(jws.encode()))
        self.stored_since_start += 1
        if self.args.crash_after and self.stored_since_start >= self.args.crash_after:
            os._exit(9)  # a crash in the middle of a batch: no answer
        return leaf

    def one_record(self, agent, jws):
        db = self.store.db
        seq = json.loads(b64url_decode(jws.split('.')[1]))['seq']
        old = db.execute('SELECT hash, leaf FROM records WHERE agent=? AND seq=?',
                         (agent, seq)).fetchone()
        if old:
            if old[0] == hashlib.sha256(jws.encode()).digest():
                return {'seq': seq, 'status': 'duplicate', 'index': old[1]}
            db.execute('INSERT INTO conflicts VALUES(?,?,?)', (agent, seq, jws))
            return {'seq': seq, 'status': 'conflict'}
        head = db.execute('SELECT head_seq FROM agents WHERE id=?', (agent,)).fetchone()[0]
        if seq > head + 1:
            db.execute('INSERT OR IGNORE INTO held VALUES(?,?,?)', (agent, seq, jws))
            return {'seq': seq, 'status': 'held'}
        why, payload = self.verify_next(agent, jws)
        if why:
            return {'seq': seq, 'status': 'rejected', 'reason': why}
        return {'seq': seq, 'status': 'stored', 'index': self.store_next(agent, jws, payload)}

    def records(self, agent, req):
        results = [self.one_record(agent, jws) for jws in req['records']]
        self.store.db.executemany('INSERT INTO results VALUES(?,?,?,?)',
                                  [(agent, r['seq'], r['status'], r.get('reason', ''))
                                   for r in results])
        size = self.store.tree.size()
        for r in results:
            if 'index' in r:
                r['proof'] = [h.hex() for h in self.store.tree.path(r['index'], 0, size)]
        out = self.proofs(req.get('known_size', 0))
        out['results'] = results
        out['contiguous_seq'] = self.store.db.execute(
            'SELECT head_seq FROM agents WHERE id=?', (agent,)).fetchone()[0]
        return 200, out

    def heartbeat(self, agent, req):
        self.store.db.execute('UPDATE agents SET heartbeats=heartbeats+1 WHERE id=?', (agent,))
        return 200, self.proofs(req.get('known_size', 0))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def agent(self):
        cert = self.connection.getpeercert()
        if not cert:
            return None
        cn = dict(x[0] for x in cert['subject']).get('commonName')
        known = self.server.collector.store.db.execute('SELECT 1 FROM agents WHERE id=?',
                                                       (cn,)).fetchone()
        return cn if known else None

    def do_POST(self):
        c = self.server.collector
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        with c.lock:
            try:
                if self.path == '/v1/enroll':
                    self.answer(*c.enroll(body))
                    return
                agent = self.agent()
                if not agent:
                    self.answer(403, {'error': 'certificate', 'message': 'no agent certificate'})
                elif self.path == '/v1/records':
                    self.answer(*c.records(agent, json.loads(body)))
                elif self.path == '/v1/heartbeat':
                    self.answer(*c.heartbeat(agent, json.loads(body)))
                else:
                    self.answer(404, {'error': 'path', 'message': self.path})
            except Exception as e:  # a test stand-in: say what broke
                self.answer(400, {'error': 'malformed', 'message': repr(e)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--token', required=True)
    ap.add_argument('--crash-after', type=int, default=0)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(args.dir, 'server.pem'), os.path.join(args.dir, 'server.key'))
    ctx.load_verify_locations(os.path.join(args.dir, 'ca.pem'))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.collector = Collector(args)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print('ready', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
