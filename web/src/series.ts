// Chart columns that stay small however long a run is: at most ~maxPoints points, thinned evenly, newest kept.

/**
 * Columnar points (x, then one column per series) decimated as they arrive. The i-th point pushed (its ordinal)
 * is kept while i is a multiple of `stride`; when more than `maxPoints` are kept, the stride doubles and every
 * other kept point goes. The newest point is always shown: it sits at the end until the next one replaces it,
 * unless it is on the stride's grid.
 */
export class DecimatedColumns {
  readonly x: number[] = [];
  readonly columns: (number | null)[][];
  private readonly ordinals: number[] = [];
  private stride = 1;
  private pushed = 0;
  /** Whether the last point is only kept for being the newest. */
  private tailOffGrid = false;

  constructor(
    columnCount: number,
    readonly maxPoints = 2000,
  ) {
    this.columns = Array.from({ length: columnCount }, () => []);
  }

  get length(): number {
    return this.x.length;
  }

  /** Points pushed so far, kept or not. */
  get received(): number {
    return this.pushed;
  }

  /** Appends one point; `values` has one entry per column. */
  push(x: number, values: ArrayLike<number | null>): void {
    const ordinal = this.pushed++;
    if (this.tailOffGrid) this.dropLast();
    this.x.push(x);
    this.ordinals.push(ordinal);
    for (let c = 0; c < this.columns.length; c++) this.columns[c].push(values[c] ?? null);
    this.tailOffGrid = ordinal % this.stride !== 0;
    if (this.x.length - (this.tailOffGrid ? 1 : 0) > this.maxPoints) this.thin();
  }

  /** [x, ...columns], the layout uPlot takes. */
  aligned(): [number[], ...(number | null)[][]] {
    return [this.x, ...this.columns];
  }

  private dropLast(): void {
    this.x.pop();
    this.ordinals.pop();
    for (const column of this.columns) column.pop();
  }

  private thin(): void {
    this.stride *= 2;
    const last = this.x.length - 1;
    const keep = (i: number) => this.ordinals[i] % this.stride === 0 || i === last;
    const filter = <T>(a: T[]) => {
      let w = 0;
      for (let i = 0; i < a.length; i++) if (keep(i)) a[w++] = a[i];
      a.length = w;
    };
    // Filter the ordinals last: keep() reads them.
    filter(this.x);
    for (const column of this.columns) filter(column);
    filter(this.ordinals);
    this.tailOffGrid = this.ordinals[this.ordinals.length - 1] % this.stride !== 0;
  }
}

/** x > 0, else null: what a logarithmic axis can show. */
export function positive(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && x > 0 ? x : null;
}
