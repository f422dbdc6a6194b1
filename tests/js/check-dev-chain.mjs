// Connects @polkadot/api, as published and unconfigured, to a node and prints what a wallet
// would see: the token, the genesis datanets, two finalized blocks, and a transfer's effect.
// Usage: node check-dev-chain.mjs ws://127.0.0.1:9944
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { formatBalance } from '@polkadot/util';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const deadline = setTimeout(() => fail('timed out after 120 s'), 120_000);

function fail(message) {
  console.error(`check-dev-chain: ${message}`);
  process.exit(1);
}

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, throwOnConnect: true });
const [decimals] = api.registry.chainDecimals;
const [token] = api.registry.chainTokens;

const datanet = (await api.query.datanets.datanets(0)).unwrap();

const finalized = await new Promise((resolve) => {
  const heads = [];
  api.rpc.chain.subscribeFinalizedHeads((header) => {
    heads.push(header.number.toNumber());
    if (heads.length === 2) resolve(heads);
  });
});

const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
const recipient = new Keyring({ type: 'sr25519' }).addFromUri('//PolkadotJs').address;
const amount = 25n * 10n ** 17n; // 2.5 OPEN
await new Promise((resolve, reject) => {
  api.tx.balances.transferKeepAlive(recipient, amount)
    .signAndSend(alice, ({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      if (status.isFinalized) resolve();
    })
    .catch(reject);
});
const { data } = await api.query.system.account(recipient);

console.log(JSON.stringify({
  token,
  decimals,
  datanet0: { name: datanet.name.toUtf8(), modality: datanet.modality.toString() },
  finalized,
  recipientFree: data.free.toString(),
  recipientShown: formatBalance(data.free, { decimals, withUnit: token }),
}));
clearTimeout(deadline);
await api.disconnect();
