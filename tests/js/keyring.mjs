// Polkadot{.js} JSON key backups as @polkadot/keyring itself writes and reads them, for the
// wallet e2e test: one JSON line on stdout, errors as one line on stderr.
//
//   node keyring.mjs create MNEMONIC PASSWORD FILE   writes pair.toJson(PASSWORD) to FILE
//                                                    (sr25519, SS58 42); prints its address
//   node keyring.mjs decode FILE PASSWORD            decodes FILE with PASSWORD, signs with
//                                                    the decoded secret and verifies the
//                                                    signature against the stated address;
//                                                    prints the address and the scrypt N, p, r
import { readFileSync, writeFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { base64Decode, cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';
import { stringToU8a, u8aToBn } from '@polkadot/util';
import { failer } from './common.mjs';

const fail = failer('keyring');
const [command, ...args] = process.argv.slice(2);
await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

if (command === 'create') {
  const [mnemonic, password, file] = args;
  if (!file) fail('usage: create MNEMONIC PASSWORD FILE');
  const pair = keyring.addFromMnemonic(mnemonic, { name: 'made by @polkadot/keyring' });
  writeFileSync(file, JSON.stringify(pair.toJson(password)));
  console.log(JSON.stringify({ address: pair.address }));
} else if (command === 'decode') {
  const [file, password] = args;
  if (!password) fail('usage: decode FILE PASSWORD');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const pair = keyring.addFromJson(json);
  try {
    pair.decodePkcs8(password);
  } catch (error) {
    fail(`cannot decode ${file}: ${error.message}`);
  }
  // decodePkcs8 takes the public key from the file: only a signature shows that the
  // secret is the one of that address.
  const message = stringToU8a('openledger wallet interop');
  const verified = signatureVerify(message, pair.sign(message), pair.address).isValid;
  const raw = base64Decode(json.encoded);
  const word = (at) => u8aToBn(raw.subarray(at, at + 4), { isLe: true }).toNumber();
  console.log(JSON.stringify({
    address: pair.address,
    name: pair.meta.name ?? null,
    verified,
    scrypt: { N: word(32), p: word(36), r: word(40) },
  }));
} else {
  fail('usage: keyring.mjs create MNEMONIC PASSWORD FILE | decode FILE PASSWORD');
}
