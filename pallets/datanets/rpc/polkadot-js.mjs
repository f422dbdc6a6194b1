// @polkadot/api definitions of the `datanets_*` RPC methods. Every method returns typed
// JSON (see src/json.rs), so the results are plain objects:
//
//   import { datanetsRpc } from './polkadot-js.mjs';
//   const api = await ApiPromise.create({ provider, rpc: datanetsRpc });
//   const top = (await api.rpc.datanets.leaderboard(0, 0, 10)).toJSON();
//
// Pass `null` for an optional argument you skip before a later one (e.g. the global
// leaderboard: `leaderboard(null, 0, 10)`); `at` (a block hash) may be left out.

const at = { name: 'at', type: 'Hash', isOptional: true };
const offset = { name: 'offset', type: 'Option<u32>' };
const limit = { name: 'limit', type: 'Option<u32>' };

export const datanetsRpc = {
  datanets: {
    leaderboard: {
      description: 'A page of a datanet\'s leaderboard (datanet null: the global one), best first',
      params: [{ name: 'datanet', type: 'Option<u32>' }, offset, limit, at],
      type: 'Json',
    },
    contributor: {
      description: 'One account\'s stats and rank on a datanet (null: globally)',
      params: [{ name: 'account', type: 'Text' }, { name: 'datanet', type: 'Option<u32>' }, at],
      type: 'Json',
    },
    submission: {
      description: 'One submission by id',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    pending: {
      description: 'A datanet\'s pending submissions, oldest first',
      params: [{ name: 'datanet', type: 'u32' }, offset, limit, at],
      type: 'Json',
    },
    list: {
      description: 'Datanets by id, with their details',
      params: [offset, limit, at],
      type: 'Json',
    },
    datanet: {
      description: 'One datanet\'s details',
      params: [{ name: 'id', type: 'u32' }, at],
      type: 'Json',
    },
    validator: {
      description: 'A validator\'s bond and unclaimed votes on a datanet',
      params: [{ name: 'datanet', type: 'u32' }, { name: 'account', type: 'Text' }, at],
      type: 'Json',
    },
    rewards: {
      description: 'An account\'s unclaimed rewards, one entry per (datanet, epoch)',
      params: [{ name: 'account', type: 'Text' }, offset, limit, at],
      type: 'Json',
    },
    accepted: {
      description: 'A page of a datanet\'s accepted log in acceptance order, each entry with '
        + 'the running head after it (dataset snapshots): chain blake2_256(previous head ++ '
        + 'SCALE(index, submission, binary CID, contributor, weight)) from 32 zero bytes',
      params: [{ name: 'datanet', type: 'u32' }, offset, limit, at],
      type: 'Json',
    },
  },
};
