// Reads a job and a verified model through the `models_*` RPC methods with the documented
// definitions (pallets/models/rpc/polkadot-js.mjs), and through the Models view functions
// with the metadata alone, and prints what it got as one JSON line for the Rust test.
// Usage: node check-models-rpc.mjs ws://127.0.0.1:9944 JOB MODEL
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { modelsRpc } from '../../pallets/models/rpc/polkadot-js.mjs';

const [url, job, model] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out after 120 s'), 120_000);

function fail(message) {
  console.error(`check-models-rpc: ${message}`);
  process.exit(1);
}

const api = await ApiPromise.create({
  provider: new WsProvider(url), rpc: modelsRpc, noInitWarn: true, throwOnConnect: true,
});

async function view(name, ...args) {
  const pallet = api.runtimeMetadata.asLatest.pallets.find((p) => p.name.toString() === 'Models');
  const fn = pallet?.viewFunctions.find((f) => f.name.toString() === name);
  if (!fn) fail(`no view function Models.${name} in the metadata`);
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
clearTimeout(deadline);
await api.disconnect();
