// What the check scripts share: failing with one line on stderr, a deadline, connecting
// with custom RPC definitions, and calling a pallet's view function from the metadata only.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aConcat, u8aToHex } from '@polkadot/util';

export function failer(script) {
  return (message) => {
    console.error(`${script}: ${message}`);
    process.exit(1);
  };
}

/// Connects to `url` with the `rpc` definitions; `fail`s after 120 s whatever happens.
export async function connect(url, rpc, fail) {
  const deadline = setTimeout(() => fail('timed out after 120 s'), 120_000);
  const api = await ApiPromise.create({
    provider: new WsProvider(url), rpc, noInitWarn: true, throwOnConnect: true,
  });
  return { api, done: async () => { clearTimeout(deadline); await api.disconnect(); } };
}

/// A view function of `pallet`, found, encoded and decoded from the metadata only: its
/// `Ok` value as JSON, or `{ error }` for its `Err`.
export async function view(api, fail, pallet, name, ...args) {
  const entry = api.runtimeMetadata.asLatest.pallets.find((p) => p.name.toString() === pallet);
  const fn = entry?.viewFunctions.find((f) => f.name.toString() === name);
  if (!fn) fail(`no view function ${pallet}.${name} in the metadata`);
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
