// Reads a job and a verified model through the `models_*` RPC methods with the documented
// definitions (pallets/models/rpc/polkadot-js.mjs), and through the Models view functions
// with the metadata alone, and prints what it got as one JSON line for the Rust test.
// Usage: node check-models-rpc.mjs ws://127.0.0.1:9944 JOB MODEL
import { modelsRpc } from '../../pallets/models/rpc/polkadot-js.mjs';
import { connect, failer, view as viewOf } from './common.mjs';

const [url, job, model] = process.argv.slice(2);
const fail = failer('check-models-rpc');
const { api, done } = await connect(url, modelsRpc, fail);
const view = (name, ...args) => viewOf(api, fail, 'Models', name, ...args);

const rpc = {
  job: (await api.rpc.models.job(Number(job))).toJSON(),
  model: (await api.rpc.models.model(Number(model))).toJSON(),
  verifiedJobs: (await api.rpc.models.jobs('verified', null, null)).toJSON(),
  baseModels: (await api.rpc.models.baseModels(null, null)).toJSON(),
};
const views = {
  job: await view('job', Number(job)),
  model: await view('model', Number(model)),
  unknownModel: await view('model', 999),
};
// Storage through the metadata alone.
const stored = (await api.query.models.models(Number(model))).toJSON();

console.log(JSON.stringify({ rpc, views, stored }));
await done();
