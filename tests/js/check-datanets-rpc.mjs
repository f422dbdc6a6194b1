// Calls the `datanets_*` RPC methods through @polkadot/api with the documented definitions
// (pallets/datanets/rpc/polkadot-js.mjs), and the pallet's view functions through the
// metadata alone, and prints what it got as one JSON line for the Rust test to check.
// Usage: node check-datanets-rpc.mjs ws://127.0.0.1:9944 ACCOUNT
import { datanetsRpc } from '../../pallets/datanets/rpc/polkadot-js.mjs';
import { connect, failer, view as viewOf } from './common.mjs';

const [url, account] = process.argv.slice(2);
const fail = failer('check-datanets-rpc');
const { api, done } = await connect(url, datanetsRpc, fail);
const view = (name, ...args) => viewOf(api, fail, 'Datanets', name, ...args);

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
await done();
