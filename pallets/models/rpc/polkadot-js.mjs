// @polkadot/api definitions of the `models_*` RPC methods. Every method returns typed JSON
// (see src/json.rs), so the results are plain objects:
//
//   import { modelsRpc } from './polkadot-js.mjs';
//   const api = await ApiPromise.create({ provider, rpc: modelsRpc });
//   const job = (await api.rpc.models.job(0)).toJSON();
//
// Pass `null` for an optional argument you skip before a later one; `at` (a block hash)
// may be left out.

const at = { name: 'at', type: 'Hash', isOptional: true };
const offset = { name: 'offset', type: 'Option<u32>' };
const limit = { name: 'limit', type: 'Option<u32>' };

export const modelsRpc = {
  models: {
    baseModel: {
      description: 'One base model by id',
      params: [{ name: 'id', type: 'u32' }, at],
      type: 'Json',
    },
    baseModels: {
      description: 'Base models by id',
      params: [offset, limit, at],
      type: 'Json',
    },
    trainer: {
      description: 'A registered trainer: bond, capabilities, open commitments',
      params: [{ name: 'account', type: 'Text' }, at],
      type: 'Json',
    },
    job: {
      description: 'A job, its phase and its attestations until settlement',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    jobs: {
      description: 'Jobs by id; status (open, verified, failed, expired, cancelled) filters',
      params: [{ name: 'status', type: 'Option<Text>' }, offset, limit, at],
      type: 'Json',
    },
    model: {
      description: 'A verified model and its lineage',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    models: {
      description: 'Verified models by id: all, or of one base, datanet or trainer',
      params: [
        { name: 'base', type: 'Option<u32>' },
        { name: 'datanet', type: 'Option<u32>' },
        { name: 'trainer', type: 'Option<Text>' },
        offset, limit, at,
      ],
      type: 'Json',
    },
  },
};
