// The CIDv1s that the reference JS UnixFS importer (ipfs-unixfs-importer) gives files with
// Kubo's `ipfs add --cid-version=1` settings: raw leaves, fixed 256 KiB chunks, balanced
// layout of at most 174 links per node, a single-chunk file as its raw leaf. The oracle of
// client/ipfs/tests/unixfs_importer_oracle.rs, an importer written independently of ours.
//
// Usage: node unixfs-cids.mjs '[{"size": N, "seed": S}, ...]'
// Prints a JSON list of the CIDs (base32 text), in order. File bytes: byte i of a file is
// (i * 31 + seed) % 251, the generator the Rust side implements too.
import { importBytes } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { BlackHoleBlockstore } from 'blockstore-core';
import { failer } from './common.mjs';

const fail = failer('unixfs-cids');

const KUBO_CID_V1 = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: 262144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
};

function content(size, seed) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251;
  return bytes;
}

let files;
try {
  files = JSON.parse(process.argv[2] ?? '');
} catch (error) {
  fail(`expected a JSON list of {"size", "seed"} as the argument (${error.message})`);
}
if (!Array.isArray(files)) fail('expected a JSON list of {"size", "seed"}');

// Only the CIDs are wanted: the blocks go nowhere.
const blockstore = new BlackHoleBlockstore();
const cids = [];
for (const { size, seed } of files) {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(seed) || seed < 0) {
    fail(`not a file: ${JSON.stringify({ size, seed })}`);
  }
  const entry = await importBytes(content(size, seed), blockstore, KUBO_CID_V1);
  cids.push(entry.cid.toString());
}
console.log(JSON.stringify(cids));
