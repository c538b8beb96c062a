// The Dataset every data source produces (synthetic, normal, inline) and every step consumes.
import type { FieldPath } from './errors.ts';

export interface Dataset {
  /** Number of samples. */
  n: number;
  /** Features per sample. */
  inputSize: number;
  /** (n, inputSize) row-major. */
  x: Float64Array;
  /** 1 for class labels, else the width of the target vector. */
  targetSize: number;
  /** (n, targetSize) row-major: the class index as a float for classification, else the targets. */
  y: Float64Array;
  /** Number of classes for classification data (2 for binary), 0 for regression. */
  classes: number;
  /** 'linear' only: the noiseless generator, y = x·Wᵀ + b, with W (outputs, features) and b (outputs). */
  truth?: { weights: Float64Array; bias: Float64Array };
  /**
   * Inline data only, so errors can name the spec element: the path prefix (['test'] for an explicit test
   * set) and, after a split, each row's index in the spec (null ⇒ row i is sample i).
   */
  origin?: { path: FieldPath; rows: Int32Array | null };
}
