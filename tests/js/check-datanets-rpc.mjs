// Calls the `datanets_*` RPC methods through @polkadot/api with the documented definitions
// (pallets/datanets/rpc/polkadot-js.mjs), and the pallet's view functions through the
// metadata alone, and prints what it got as one JSON line for the Rust test to check.
// Usage: node check-datanets-rpc.mjs ws://127.0.0.1:9944 ACCOUNT
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { datanetsRpc } from '../../pallets/datanets/rpc/polkadot-js.mjs';

const [url, account] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out after 120 s'), 120_000);

function fail(message) {
  console.error(`check-datanets-rpc: ${message}`);
  process.exit(1);
}

const api = await ApiPromise.create({
  provider: new WsProvider(url), rpc: datanetsRpc, noInitWarn: true, throwOnConnect: true,
});

// A view function, found, encoded and decoded from the metadata only.
async function view(name, ...args) {
  const pallet = api.runtimeMetadata.asLatest.pallets.find((p) => p.name.toString() === 'Datanets');
  const fn = pallet?.viewFunctions.find((f) => f.name.toString() === name);
  if (!fn) fail(`no view function Datanets.${name} in the metadata`);
  const input = u8aConcat(...fn.inputs.map((arg, i) =>
    api.registry.createType(api.registry.createLookupType(arg.type), args[i]).toU8a()));
  const id = fn.id.toU8a();
  const result = await api.call.runtimeViewFunction.executeViewFunction(
    { prefix: id.slice(0, 16), suffix: id.slice(16, 32) }, u8aToHex(input));
  if (result.isErr) fail(`view function ${name} failed: ${result.asErr.toString()}`);
  const output = api.registry.createType(api.registry.createLookupType(fn.output), result.asOk);
  if (output.isErr) return { error: output.asErr.toString() };
  return output.asOk.toJSON();
}

const rpc = {
  leaderboard: (await api.rpc.datanets.leaderboard(0, 0, 10)).toJSON(),
  globalLeaderboard: (await api.rpc.datanets.leaderboard(null, 1, 2)).toJSON(),
  contributor: (await api.rpc.datanets.contributor(account, 0)).toJSON(),
  pending: (await api.rpc.datanets.pending(0, null, null)).toJSON(),
  list: (await api.rpc.datanets.list(null, null)).toJSON(),
  rewards: (await api.rpc.datanets.rewards(account, null, null)).toJSON(),
};
let unknownDatanet;
try {
  await api.rpc.datanets.leaderboard(99, null, null);
} catch (error) {
  unknownDatanet = error.message;
}
const views = {
  leaderboard: await view('leaderboard', { Datanet: 0 }, 0, 10),
  contributor: await view('contributor', 'Global', account),
  unknownDatanet: await view('leaderboard', { Datanet: 99 }, 0, 10),
  oversizePage: await view('pending', 0, 0, 5000),
};

console.log(JSON.stringify({ rpc, unknownDatanet, views }));
clearTimeout(deadline);
await api.disconnect();
