#!/usr/bin/env python3
# The attacker of the signed-report tests: root on the desk after record n
# is durable, holding a copy of the whole state directory, and nothing else.
# Written independently of Ward's C code (hmac, hashlib, `cryptography`).
#
#   report-attack.py STATE ATTACK SEQ
#
# ATTACK is one of
#   alter      record SEQ says "allowed" where it said something else; its
#              signature is kept
#   forge      record SEQ rewritten (outcome "allowed") and signed with the
#              best key there is: the ratchet key ratchet.state holds now,
#              claiming the index the original had
#   forge-now  the same, claiming the current key's own index
#   identity   the same, signed with the identity key (claiming the index)
#   drop       record SEQ removed
#   reorder    records SEQ and SEQ+1 swapped
# The log is rewritten in place (every segment that holds SEQ).
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def current_ratchet_key(state):
    """The key ratchet.state holds: (index, private key)."""
    with open(os.path.join(state, 'keys', 'ratchet.state'), 'rb') as f:
        raw = f.read()
    assert raw[:8] == b'WARDRS1\n', 'not a ratchet state'
    index = struct.unpack('<Q', raw[8:16])[0]
    seed = raw[16:48]
    key = hmac.new(seed, b'ward ratchet key v1', hashlib.sha256).digest()
    return index, Ed25519PrivateKey.from_private_bytes(key)


def identity_key(state):
    with open(os.path.join(state, 'keys', 'identity.key'), 'rb') as f:
        return serialization.load_pem_private_key(f.read(), None)


def canonical(obj):
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(',', ':')).encode()


def sign(key, kid, payload):
    header = b64u(canonical({'alg': 'EdDSA', 'kid': kid}))
    body = b64u(canonical(payload))
    sig = key.sign((header + '.' + body).encode())
    return header + '.' + body + '.' + b64u(sig)


def rewrite(state, attack, line):
    header, body, sig = line.split('.')
    payload = json.loads(unb64u(body))
    payload['outcome'] = 'allowed' if payload.get('outcome') != 'allowed' else 'denied'
    if attack == 'alter':
        return header + '.' + b64u(canonical(payload)) + '.' + sig
    agent = payload['agent_id']
    if attack == 'identity':
        return sign(identity_key(state), '%s/r%d' % (agent, payload['ratchet']), payload)
    index, key = current_ratchet_key(state)
    if attack == 'forge-now':
        payload['ratchet'] = index
    return sign(key, '%s/r%d' % (agent, payload['ratchet']), payload)


def main():
    state, attack, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
    logdir = os.path.join(state, 'log')
    names = sorted(n for n in os.listdir(logdir) if n.startswith('seg-') and n.endswith('.jws'))
    lines, where = [], []
    for name in names:
        with open(os.path.join(logdir, name)) as f:
            for line in f.read().split('\n')[:-1]:
                lines.append(line)
                where.append(name)
    seqs = [json.loads(unb64u(line.split('.')[1]))['seq'] for line in lines]
    i = seqs.index(seq)
    if attack == 'drop':
        del lines[i], where[i]
    elif attack == 'reorder':
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    else:
        lines[i] = rewrite(state, attack, lines[i])
    for name in names:
        with open(os.path.join(logdir, name), 'w') as f:
            f.write(''.join(l + '\n' for l, w in zip(lines, where) if w == name))


if __name__ == '__main__':
    main()
