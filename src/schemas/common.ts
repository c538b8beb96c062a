// Building blocks shared by the API schemas: bounded numbers, seeds, JSON-safe numbers, type-level drift checks.
import { z } from 'zod';

/** Largest seed: seeds are unsigned 32-bit integers (the core's PRNG takes the integer part mod 2^32). */
export const MAX_SEED = 2 ** 32 - 1;

/** A finite number in [min, max] (zod 4's z.number() already rejects NaN and ±Infinity). */
export function finite(min: number, max: number) {
  return z.number().min(min).max(max);
}

/** An integer in [min, max]. */
export function integer(min: number, max: number) {
  return z.int().min(min).max(max);
}

/** A seed for one of the core's seeded PRNGs. */
export function seed(what: string) {
  return integer(0, MAX_SEED).describe(
    `${what}; an integer in 0..2^32−1. The same spec and seeds give the same bits.`,
  );
}

/**
 * A number in a response: null stands for NaN or ±Infinity, which JSON cannot carry (a diverged run's loss,
 * a gradient that overflowed). Producers map them with `nullIfNotFinite`.
 */
export const JsonNumber = z.number().nullable();

/** NaN/±Infinity → null, so a float64 result can be sent as JSON and pass the response schemas. */
export function nullIfNotFinite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A core type as it appears in JSON: every number may be null (NaN/±Infinity), typed arrays become arrays. */
export type JsonOf<T> = T extends number
  ? number | null
  : T extends readonly (infer U)[]
    ? JsonOf<U>[]
    : T extends object
      ? { [K in keyof T]: JsonOf<T[K]> }
      : T;

/** T with every property required, recursively (through unions, arrays and nested objects). */
export type Full<T> = T extends readonly (infer U)[]
  ? Full<U>[]
  : T extends object
    ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> }
    : T;

/**
 * true when A and B describe the same values: mutually assignable, and still so with every property made
 * required (which catches a key present on one side only, even an optional one).
 */
export type Mirrors<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Full<A>] extends [Full<B>]
      ? [Full<B>] extends [Full<A>]
        ? true
        : false
      : false
    : false
  : false;

/**
 * Compiles only for `true`. Each schema file lists `Check<Mirrors<z.infer<typeof XSchema>, X>>` so that a schema
 * and the core type it mirrors cannot drift apart unnoticed.
 */
export type Check<T extends true> = T;
