// Building blocks shared by the API schemas: bounded numbers, seeds, JSON-safe numbers, exact JSON text,
// type-level drift checks.
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
 * Text a Postgres `text` column can hold: no U+0000 (Postgres refuses NUL in text) and no lone surrogate
 * (\uD800–\uDFFF outside a pair, which UTF-8 cannot encode). With the `u` flag a lone surrogate is one
 * code point, so one class excludes both; a proper pair is a single astral code point and passes.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: excluding U+0000 is the point.
export const STORABLE_TEXT = /^[^\u0000\uD800-\uDFFF]*$/u;

/**
 * Every string a request carries, in bodies, queries and headers: bounded, and storable (STORABLE_TEXT),
 * so text the database cannot hold is a 400 naming its JSON pointer, never a 500 from the database.
 */
export function storableText(min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .regex(
      STORABLE_TEXT,
      'must be valid Unicode text without U+0000: no NUL character, no lone surrogate (\\uD800–\\uDFFF outside a pair)',
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

declare global {
  interface JSON {
    /** ES2025 JSON.parse source text access (V8 ≥ 11.4, so every Node ≥ 21); not yet in TypeScript's lib. */
    rawJSON(text: string): unknown;
  }
}

/**
 * A JSON.stringify replacer that writes −0 as `-0` (JSON.stringify alone writes 0). JSON.parse reads `-0` back
 * as −0, and every other double already round-trips through JSON.stringify's shortest form, so with this the
 * text carries every float64 bit for bit. Used for stored specs and the responses that return them.
 */
export function keepNegativeZero(_key: string, value: unknown): unknown {
  return Object.is(value, -0) ? JSON.rawJSON('-0') : value;
}

/** JSON text from which JSON.parse gives back exactly `value`'s numbers, −0 included. */
export function exactJsonText(value: unknown): string {
  return JSON.stringify(value, keepNegativeZero);
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
