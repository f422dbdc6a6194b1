// @polkadot/api definitions of the `attribution_*` RPC methods. Every method returns typed
// JSON (see src/json.rs), so the results are plain objects:
//
//   import { attributionRpc } from './polkadot-js.mjs';
//   const api = await ApiPromise.create({ provider, rpc: attributionRpc });
//   const pool = (await api.rpc.attribution.model(0)).toJSON();
//
// `at` (a block hash) may be left out.

const at = { name: 'at', type: 'Hash', isOptional: true };
const model = { name: 'model', type: 'u64' };

export const attributionRpc = {
  attribution: {
    model: {
      description: "A verified model's attribution root, payees, and payments and claims so far",
      params: [model, at],
      type: 'Json',
    },
    claimable: {
      description: "What an account's row of `parts` (from the published table) may claim now",
      params: [model, { name: 'account', type: 'Text' }, { name: 'parts', type: 'u32' }, at],
      type: 'Json',
    },
  },
};
