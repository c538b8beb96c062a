// GET /v1/runs/:id/history's JSON answer, written on the evaluate thread from the binary one: a 50-layer, 2,000-point
// answer is 200,000 layer values to print as the shortest decimal of their float32, 90–130 ms of CPU that would
// otherwise hold the event loop (the dashboard reads the binary answer; API clients that ask for JSON pay this once
// per finished run, whose answer is kept).
import { ownedBytes } from '../http/json-body.ts';
import { transferring } from '../jobs/transfer.ts';
import { decodeHistory, historyFromArrays } from '../schemas/history-binary.ts';
import { shortFloat32 } from './history-buckets.ts';

/** The JSON answer of a binary one: layer values as the shortest decimal of their float32. */
export function historyJsonText(binary: Uint8Array): string {
  const h = historyFromArrays(decodeHistory(binary));
  for (const layer of h.values) {
    for (const series of layer) for (let p = 0; p < series.length; p++) series[p] = shortFloat32(series[p]);
  }
  return JSON.stringify(h);
}

/** The thread's entry point (jobs/pool.ts offLoop): the binary answer in (a copy), the JSON's UTF-8 bytes moved out. */
export function historyJson(binary: Uint8Array): { json: Uint8Array } {
  const json = ownedBytes(Buffer.from(historyJsonText(binary)));
  return transferring({ json }, json);
}
