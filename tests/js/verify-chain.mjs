// Verifies a Ward record log with the jose package, independently of
// Ward's C code (docs/protocol.md §1-§2):
//   node verify-chain.mjs LOG_DIR RATCHET_1_JWK [--seed SEED_HEX_FILE]
// Every record: compact JWS, EdDSA, verified with the key the ratchet
// announced (key 1 first, then each record's next_key); kid, ratchet, seq
// and prev checked.  With --seed, the ratchet is also walked from seed_1
// (HMAC-SHA256 derivation, key pairs through jose) and every announced key
// must be the derived one.  Prints "verified N records, key K in force";
// exits 1 at the first record that does not verify, naming its seq.
import { compactVerify, decodeProtectedHeader, exportJWK, importJWK, importPKCS8 } from 'jose';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [logDir, key1Path, ...rest] = process.argv.slice(2);
if (!logDir || !key1Path) {
  console.error('usage: node verify-chain.mjs LOG_DIR RATCHET_1_JWK [--seed FILE]');
  process.exit(2);
}
const seedArg = rest[0] === '--seed' ? rest[1] : null;

function fail(seq, why) {
  console.error(`seq ${seq}: ${why}`);
  process.exit(1);
}

// PKCS#8 for an Ed25519 private key is a fixed 16-byte prefix and the seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

async function derivedPublicJwk(seed) {
  const keySeed = createHmac('sha256', seed).update('ward ratchet key v1').digest();
  const der = Buffer.concat([PKCS8_PREFIX, keySeed]);
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const priv = await importPKCS8(pem, 'EdDSA', { extractable: true });
  const jwk = await exportJWK(priv);
  return { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
}

function nextSeed(seed) {
  return createHmac('sha256', seed).update('ward ratchet seed v1').digest();
}

const segments = readdirSync(logDir).filter((n) => /^seg-\d{20}\.jws$/.test(n)).sort();
let jwk = JSON.parse(readFileSync(key1Path, 'utf8'));
let index = 1;
let seed = seedArg ? Buffer.from(readFileSync(seedArg, 'utf8').trim(), 'hex') : null;
if (seed) {
  const derived = await derivedPublicJwk(seed);
  if (derived.x !== jwk.x) fail(0, 'ratchet-1.pub is not the key seed_1 derives');
}
let prev = '0'.repeat(64);
let expectSeq = 1;
let count = 0;
let agent = null;

for (const name of segments) {
  const text = readFileSync(join(logDir, name), 'utf8');
  if (text.length && !text.endsWith('\n')) fail(expectSeq, `${name} ends in a torn line`);
  for (const line of text.split('\n').slice(0, -1)) {
    const header = decodeProtectedHeader(line);
    let result;
    try {
      result = await compactVerify(line, await importJWK(jwk, 'EdDSA'), { algorithms: ['EdDSA'] });
    } catch (e) {
      fail(expectSeq, `signature does not verify with ratchet key ${index}: ${e.code || e.message}`);
    }
    const payloadText = new TextDecoder('utf-8', { fatal: true }).decode(result.payload);
    const p = JSON.parse(payloadText);
    // Canonical form: sorted keys, no white space (what was signed is what is stored).
    const canonical = JSON.stringify(p, (k, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, v[key]]))
        : v);
    if (canonical !== payloadText) fail(p.seq, 'payload is not in canonical form');
    agent = agent ?? p.agent_id;
    if (p.v !== 1) fail(p.seq, 'v is not 1');
    if (p.agent_id !== agent) fail(p.seq, 'another agent');
    if (p.seq !== expectSeq) fail(p.seq, `seq ${p.seq} where ${expectSeq} was expected`);
    if (p.prev !== prev) fail(p.seq, 'prev is not the hash of the record before');
    if (p.ratchet !== index) fail(p.seq, `ratchet ${p.ratchet} where key ${index} is in force`);
    if (header.kid !== `${agent}/r${index}`) fail(p.seq, `kid ${header.kid}`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(p.record_id))
      fail(p.seq, 'record_id is not a UUID v4');
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(p.observed_at))
      fail(p.seq, 'observed_at is not RFC 3339 UTC with milliseconds');
    if (p.next_key) {
      if (p.next_key.kty !== 'OKP' || p.next_key.crv !== 'Ed25519' || p.next_key.d)
        fail(p.seq, 'next_key is not a public Ed25519 JWK');
      if (seed) {
        seed = nextSeed(seed);
        const derived = await derivedPublicJwk(seed);
        if (derived.x !== p.next_key.x) fail(p.seq, `next_key is not key ${index + 1} of the ratchet`);
      }
      jwk = p.next_key;
      index += 1;
    }
    prev = createHash('sha256').update(line, 'utf8').digest('hex');
    expectSeq += 1;
    count += 1;
  }
}
console.log(`verified ${count} records, key ${index} in force`);
