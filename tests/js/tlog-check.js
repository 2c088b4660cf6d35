// Checks a log written by build/tools/tlog-sample (common/merkle and
// common/note) with an implementation Ward did not write: @sigstore/verify's
// RFC 6962 inclusion verifier and its signed-note checkpoint verifier.
//   node tests/js/tlog-check.js < sample.json
// Prints one TAP line per check; exits non-zero when any fails.
'use strict';
const crypto = require('node:crypto');
const { verifyMerkleInclusion } = require('@sigstore/verify/dist/tlog/merkle');
const { verifyCheckpoint } = require('@sigstore/verify/dist/tlog/checkpoint');

let n = 0;
let failed = 0;
function report(ok, what) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}`);
}
function throws(fn) {
  try {
    fn();
    return false;
  } catch (e) {
    return true;
  }
}

const sample = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const raw = Buffer.from(sample.public_key, 'base64');
// An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the key.
const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
const publicKey = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
// sigstore matches a signature line to a log by its 4-byte key hint and
// name; the hint here is the signed-note key hash.
const tlog = {
  logID: Buffer.concat([Buffer.from(sample.key_hash, 'hex'), Buffer.alloc(28)]),
  baseURL: sample.name,
  publicKey,
};
const entryFor = (note) => ({ inclusionProof: { checkpoint: { envelope: note } } });

const checkpoint = verifyCheckpoint(entryFor(sample.checkpoint), [tlog]);
report(checkpoint.logSize === BigInt(sample.size), `checkpoint size ${checkpoint.logSize}`);
report(checkpoint.logHash.toString('hex') === sample.root, 'checkpoint root');
report(checkpoint.origin === 'ward.test/tlog-sample', 'checkpoint origin');

const forged = sample.checkpoint.replace(`\n${sample.size}\n`, `\n${sample.size + 1}\n`);
report(throws(() => verifyCheckpoint(entryFor(forged), [tlog])), 'a changed size is refused');
const otherKey = crypto.generateKeyPairSync('ed25519').publicKey;
report(
  throws(() => verifyCheckpoint(entryFor(sample.checkpoint), [{ ...tlog, publicKey: otherKey }])),
  'another key is refused',
);

let proofsOk = true;
let tamperedRefused = true;
for (const leaf of sample.leaves) {
  const entry = {
    canonicalizedBody: Buffer.from(leaf.leaf, 'base64'),
    inclusionProof: { logIndex: String(leaf.index), hashes: leaf.proof.map((h) => Buffer.from(h, 'hex')) },
  };
  if (throws(() => verifyMerkleInclusion(entry, checkpoint))) {
    proofsOk = false;
    console.log(`# inclusion proof of leaf ${leaf.index} refused`);
  }
  const wrong = { ...entry, canonicalizedBody: Buffer.concat([entry.canonicalizedBody, Buffer.from('x')]) };
  if (!throws(() => verifyMerkleInclusion(wrong, checkpoint))) tamperedRefused = false;
  if (entry.inclusionProof.hashes.length > 0) {
    const hashes = entry.inclusionProof.hashes.map((h) => Buffer.from(h));
    hashes[0][0] ^= 1;
    const bent = { ...entry, inclusionProof: { ...entry.inclusionProof, hashes } };
    if (!throws(() => verifyMerkleInclusion(bent, checkpoint))) tamperedRefused = false;
  }
}
report(proofsOk, `${sample.leaves.length} inclusion proofs verify`);
report(tamperedRefused, 'changed leaves and proofs are refused');

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
