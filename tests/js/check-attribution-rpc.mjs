// Reads a model's attribution and a row's claimable amount through the `attribution_*` RPC
// methods with the documented definitions (pallets/attribution/rpc/polkadot-js.mjs), and
// through the Attribution view functions with the metadata alone, and prints what it got
// as one JSON line for the Rust test.
// Usage: node check-attribution-rpc.mjs ws://127.0.0.1:9944 MODEL ACCOUNT PARTS
import { attributionRpc } from '../../pallets/attribution/rpc/polkadot-js.mjs';
import { connect, failer, view as viewOf } from './common.mjs';

const [url, model, account, parts] = process.argv.slice(2);
const fail = failer('check-attribution-rpc');
const { api, done } = await connect(url, attributionRpc, fail);
const view = (name, ...args) => viewOf(api, fail, 'Attribution', name, ...args);

const rpc = {
  model: (await api.rpc.attribution.model(Number(model))).toJSON(),
  claimable: (await api.rpc.attribution.claimable(Number(model), account, Number(parts))).toJSON(),
};
const views = {
  model: await view('model', Number(model)),
  claimable: await view('claimable', Number(model), account, Number(parts)),
  unknownModel: await view('model', 999),
};
console.log(JSON.stringify({ rpc, views }));
await done();
