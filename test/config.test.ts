// Configuration defaults users rely on without setting anything.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('INSTANCE_ID', () => {
  // Containers run the service as pid 1, and under host networking they share the host's name: two
  // instances made of hostname + pid alone both wrote `owner = vm-1` and fenced each other's leases.
  it('defaults to a new name on every start, even with the same hostname and pid', () => {
    const names = new Set(Array.from({ length: 20 }, () => loadConfig({}).INSTANCE_ID));
    expect(names.size).toBe(20);
    for (const name of names) expect(name.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
  });

  it('keeps a name that is set', () => {
    expect(loadConfig({ INSTANCE_ID: 'worker-a' }).INSTANCE_ID).toBe('worker-a');
  });
});
