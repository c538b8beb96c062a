// The suite runs on the runtime we ship: the Node.js major of package.json's engines and of the Dockerfile's base.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
const shippedMajor = Number(/^>=(\d+)$/.exec(engines)?.[1]);
const setupMajor = Number(/^GRADSCOPE_NODE_MAJOR=(\d+)$/m.exec(read('scripts/lib/setup.sh'))?.[1]);
const imageMajor = Number(/^ARG NODE_VERSION=(\d+)/m.exec(read('Dockerfile'))?.[1]);

describe('Node.js runtime', () => {
  it('engines, the set-up script and the image name one major', () => {
    expect(engines).toMatch(/^>=\d+$/);
    expect(setupMajor).toBe(shippedMajor);
    expect(imageMajor).toBe(shippedMajor);
  });

  it('these tests run on it (scripts/test.sh puts it first on PATH)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(shippedMajor);
  });

  it('has WebAssembly SIMD and relaxed SIMD (FMA) for the kernels', () => {
    // (module (func (result v128) <ops>)) with each v128 operand a v128.const of zeros.
    const moduleReturningV128 = (operands: number, op: number[]) => {
      const zeros = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
      const body = [0, ...Array.from({ length: operands }, () => zeros).flat(), ...op, 0x0b];
      const code = [1, body.length, ...body];
      const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
      const types = [1, 5, 1, 0x60, 0, 1, 0x7b]; // one type: () -> v128
      return new Uint8Array([...header, ...types, 3, 2, 1, 0, 10, code.length, ...code]);
    };
    expect(WebAssembly.validate(moduleReturningV128(1, []))).toBe(true); // v128.const
    expect(WebAssembly.validate(moduleReturningV128(3, [0xfd, 0x87, 0x02]))).toBe(true); // f64x2.relaxed_madd
  });
});
