/**
 * Rdms: one or many representational dissimilarity matrices over the same conditions, stored as upper-triangle
 * vectors (nRdms × nPairs, scipy squareform order). Mirrors rsatoolbox.rdm.RDMs: descriptors for the whole set,
 * one rdm descriptor entry per RDM (e.g. subject), one pattern descriptor entry per condition; both get an `index`
 * entry when absent, as in rsatoolbox.
 */
import {
  ConcordRangeError,
  ConcordTypeError,
  type Descriptor,
  type Descriptors,
  type DescriptorValue,
  getDescriptor,
  indicesWhere,
  Matrix,
  ShapeError,
  selectDescriptors,
} from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { checkedConditions, matrixToVector, vectorToMatrix } from './squareform.ts';

export interface RdmsInit {
  dissimilarityMeasure?: string;
  descriptors?: Record<string, unknown>;
  rdmDescriptors?: Descriptors;
  patternDescriptors?: Descriptors;
}

/** The JSON form written by toJSON() and read by Rdms.fromJSON(). */
export interface RdmsJson {
  type: 'Rdms';
  dissimilarityMeasure: string;
  nCond: number;
  dissimilarities: (number | null)[][];
  descriptors: Record<string, unknown>;
  rdmDescriptors: Descriptors;
  patternDescriptors: Descriptors;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function toVectorsMatrix(vectors: Matrix | ArrayLike<ArrayLike<number>> | ArrayLike<number>): Matrix {
  if (vectors instanceof Matrix) return vectors.astype('float64');
  if (ArrayBuffer.isView(vectors) || (vectors.length > 0 && typeof (vectors as ArrayLike<unknown>)[0] === 'number')) {
    return Matrix.fromVector(vectors as ArrayLike<number>, true);
  }
  if (vectors.length === 0) throw new ShapeError('Rdms.fromVectors: received no vectors');
  return Matrix.from(vectors as ArrayLike<ArrayLike<number>>);
}

export class Rdms {
  readonly dissimilarities: Matrix;
  readonly nCond: number;
  readonly nRdms: number;
  readonly dissimilarityMeasure: string;
  readonly descriptors: Record<string, unknown>;
  readonly rdmDescriptors: Descriptors;
  readonly patternDescriptors: Descriptors;

  /** `dissimilarities` is nRdms × n(n-1)/2 (float64; float32 input is converted). */
  constructor(dissimilarities: Matrix, init: RdmsInit = {}) {
    const d = dissimilarities.astype('float64');
    this.nCond = checkedConditions(d.cols, 'dissimilarities');
    this.nRdms = d.rows;
    this.dissimilarities = d;
    this.dissimilarityMeasure = init.dissimilarityMeasure ?? '';
    this.descriptors = { ...(init.descriptors ?? {}) };
    this.rdmDescriptors = { ...(init.rdmDescriptors ?? {}) };
    this.patternDescriptors = { ...(init.patternDescriptors ?? {}) };
    if (!this.rdmDescriptors.index) this.rdmDescriptors.index = range(this.nRdms);
    if (!this.patternDescriptors.index) this.patternDescriptors.index = range(this.nCond);
    checkRdmDescriptors('rdmDescriptors', this.rdmDescriptors, this.nRdms, 'RDM');
    checkRdmDescriptors('patternDescriptors', this.patternDescriptors, this.nCond, 'condition');
  }

  /**
   * From RDM vectors: a Matrix (one RDM per row), nested arrays, or one flat vector (one RDM). Throws
   * ERR_RSA_VECTOR_LENGTH when the length is not n(n-1)/2.
   */
  static fromVectors(vectors: Matrix | ArrayLike<ArrayLike<number>> | ArrayLike<number>, init: RdmsInit = {}): Rdms {
    return new Rdms(toVectorsMatrix(vectors), init);
  }

  /**
   * From square matrices (one Matrix, an array of Matrices, or nested number[][] / number[][][]). The upper
   * triangle is used; the diagonal and the lower triangle must agree (symmetric, zero diagonal) unless
   * `checkSymmetric` is false.
   */
  static fromMatrices(
    matrices: Matrix | Matrix[] | number[][] | number[][][],
    init: RdmsInit & { checkSymmetric?: boolean; tolerance?: number } = {},
  ): Rdms {
    let list: Matrix[];
    if (matrices instanceof Matrix) list = [matrices];
    else if (matrices.length > 0 && matrices[0] instanceof Matrix) list = matrices as Matrix[];
    else if (matrices.length > 0 && Array.isArray((matrices as number[][][])[0][0]))
      list = (matrices as number[][][]).map((m) => Matrix.from(m));
    else list = [Matrix.from(matrices as number[][])];
    if (list.length === 0) throw new ShapeError('Rdms.fromMatrices: received no matrices');
    const n = list[0].rows;
    const tol = init.tolerance ?? 1e-10;
    const out = Matrix.zeros(list.length, (n * (n - 1)) / 2);
    list.forEach((m, r) => {
      if (m.rows !== n || m.cols !== n) {
        throw new ShapeError(
          `Rdms.fromMatrices: matrix ${r} is ${m.rows}×${m.cols}; every matrix must be ${n}×${n} (square, same size as matrix 0)`,
        );
      }
      if (init.checkSymmetric !== false) {
        for (let i = 0; i < n; i++) {
          const dii = m.data[i * n + i];
          if (Math.abs(dii) > tol) {
            throw new ConcordRangeError(
              RSA_ERRORS.VECTOR_LENGTH,
              `Rdms.fromMatrices: matrix ${r} has diagonal entry [${i},${i}] = ${dii}; an RDM has a zero diagonal (pass checkSymmetric: false to ignore)`,
              { field: `matrices[${r}]` },
            );
          }
          for (let j = i + 1; j < n; j++) {
            const a = m.data[i * n + j];
            const b = m.data[j * n + i];
            if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(a))) && !(Number.isNaN(a) && Number.isNaN(b))) {
              throw new ConcordRangeError(
                RSA_ERRORS.VECTOR_LENGTH,
                `Rdms.fromMatrices: matrix ${r} is not symmetric: [${i},${j}] = ${a} but [${j},${i}] = ${b} (pass checkSymmetric: false to use the upper triangle)`,
                { field: `matrices[${r}]` },
              );
            }
          }
        }
      }
      matrixToVector(m, out.data.subarray(r * out.cols, (r + 1) * out.cols) as Float64Array);
    });
    return new Rdms(out, init);
  }

  /** rsatoolbox-compatible JSON (NaN written as null). */
  static fromJSON(json: unknown): Rdms {
    const j = json as Partial<RdmsJson>;
    if (!j || typeof j !== 'object' || !Array.isArray(j.dissimilarities)) {
      throw new ConcordTypeError(
        RSA_ERRORS.FORMAT,
        'Rdms.fromJSON: expected an object with a `dissimilarities` array of RDM vectors',
      );
    }
    const rows = j.dissimilarities.map((r) => (r as (number | null)[]).map((x) => (x === null ? Number.NaN : x)));
    return Rdms.fromVectors(rows, {
      dissimilarityMeasure: j.dissimilarityMeasure,
      descriptors: j.descriptors,
      rdmDescriptors: j.rdmDescriptors,
      patternDescriptors: j.patternDescriptors,
    });
  }

  /**
   * From rsatoolbox's dictionary form (RDMs.to_dict(), also what rsatoolbox writes into its HDF5/pickle RDM files):
   * snake_case keys `dissimilarities` (nRdms × nPairs, nested or flat), `dissimilarity_measure`, `descriptors`,
   * `rdm_descriptors`, `pattern_descriptors`. Descriptor columns may be typed arrays (as HDF5 readers return them).
   */
  static fromDict(dict: Record<string, unknown>): Rdms {
    const d = dict.dissimilarities;
    if (d === undefined)
      throw new ConcordTypeError(
        RSA_ERRORS.FORMAT,
        'Rdms.fromDict: no `dissimilarities` entry (expected rsatoolbox RDMs.to_dict() keys)',
        { field: 'dissimilarities' },
      );
    const columns = (v: unknown): Descriptors => {
      const out: Descriptors = {};
      for (const [k, col] of Object.entries((v as Record<string, unknown>) ?? {})) {
        out[k] = ArrayBuffer.isView(col)
          ? Array.from(col as unknown as ArrayLike<number>)
          : Array.isArray(col)
            ? (col as DescriptorValue[])
            : [col as DescriptorValue];
      }
      return out;
    };
    const measure = dict.dissimilarity_measure;
    return Rdms.fromVectors(d as Matrix | number[][], {
      dissimilarityMeasure: typeof measure === 'string' ? measure : undefined,
      descriptors: (dict.descriptors as Record<string, unknown>) ?? {},
      rdmDescriptors: columns(dict.rdm_descriptors),
      patternDescriptors: columns(dict.pattern_descriptors),
    });
  }

  /** rsatoolbox's dictionary form (RDMs.to_dict()), e.g. for an HDF5 or JSON writer shared with Python. */
  toDict(): {
    dissimilarities: { data: Float64Array; shape: [number, number] };
    dissimilarity_measure: string;
    descriptors: Record<string, unknown>;
    rdm_descriptors: Descriptors;
    pattern_descriptors: Descriptors;
  } {
    return {
      dissimilarities: this.toArray(),
      dissimilarity_measure: this.dissimilarityMeasure,
      descriptors: this.descriptors,
      rdm_descriptors: this.rdmDescriptors,
      pattern_descriptors: this.patternDescriptors,
    };
  }

  /** Concatenate RDM sets over the same conditions (rsatoolbox rdm.concat); rdm descriptors are joined. */
  static concat(list: Rdms[]): Rdms {
    if (list.length === 0) throw new ShapeError('Rdms.concat: received no RDMs');
    const n = list[0].nCond;
    for (const [k, r] of list.entries()) {
      if (r.nCond !== n)
        throw new ConcordRangeError(
          RSA_ERRORS.VECTOR_LENGTH,
          `Rdms.concat: RDMs ${k} have ${r.nCond} conditions, RDMs 0 have ${n}`,
        );
    }
    const total = list.reduce((s, r) => s + r.nRdms, 0);
    const out = Matrix.zeros(total, list[0].dissimilarities.cols);
    let row = 0;
    for (const r of list) {
      out.data.set(r.dissimilarities.data, row * out.cols);
      row += r.nRdms;
    }
    const names = new Set(list.flatMap((r) => Object.keys(r.rdmDescriptors)));
    const rdmDescriptors: Descriptors = {};
    for (const name of names) {
      if (name === 'index') continue;
      if (list.every((r) => r.rdmDescriptors[name])) rdmDescriptors[name] = list.flatMap((r) => r.rdmDescriptors[name]);
    }
    return new Rdms(out, {
      dissimilarityMeasure: list[0].dissimilarityMeasure,
      descriptors: list[0].descriptors,
      rdmDescriptors,
      patternDescriptors: list[0].patternDescriptors,
    });
  }

  get nPairs(): number {
    return this.dissimilarities.cols;
  }

  /** The RDM vectors (nRdms × nPairs); a view of the stored data. */
  getVectors(): Matrix {
    return this.dissimilarities;
  }

  /** RDM i's vector (a view). */
  getVector(i: number): Float64Array {
    this.checkRdmIndex(i);
    return this.dissimilarities.row(i) as Float64Array;
  }

  /** RDM i as a symmetric nCond × nCond matrix with zero diagonal. */
  getMatrix(i = 0): Matrix {
    return vectorToMatrix(this.getVector(i), this.nCond);
  }

  getMatrices(): Matrix[] {
    return Array.from({ length: this.nRdms }, (_, i) => this.getMatrix(i));
  }

  rdmDescriptor(name: string): Descriptor {
    return getDescriptor('rdmDescriptors', this.rdmDescriptors, name);
  }

  patternDescriptor(name: string): Descriptor {
    return getDescriptor('patternDescriptors', this.patternDescriptors, name);
  }

  /** RDMs at the given indices (rsatoolbox RDMs[i]). */
  selectRdms(indices: ArrayLike<number>): Rdms {
    for (let k = 0; k < indices.length; k++) this.checkRdmIndex(indices[k]);
    return new Rdms(this.dissimilarities.selectRows(indices), {
      dissimilarityMeasure: this.dissimilarityMeasure,
      descriptors: this.descriptors,
      rdmDescriptors: selectDescriptors(this.rdmDescriptors, indices),
      patternDescriptors: this.patternDescriptors,
    });
  }

  /** RDMs whose rdm descriptor `by` takes one of `values` (rsatoolbox RDMs.subset). */
  subset(by: string, values: DescriptorValue | readonly DescriptorValue[]): Rdms {
    return this.selectRdms(indicesWhere(this.rdmDescriptor(by), values));
  }

  /** The RDMs restricted to conditions at the given indices (in that order). */
  selectPatterns(indices: ArrayLike<number>): Rdms {
    const n = this.nCond;
    for (let k = 0; k < indices.length; k++) {
      if (!(indices[k] >= 0 && indices[k] < n && Number.isInteger(indices[k])))
        throw new ShapeError(`Rdms.selectPatterns: condition index ${indices[k]} outside [0, ${n})`);
    }
    const m = indices.length;
    if (m < 2)
      throw new ConcordRangeError(
        RSA_ERRORS.TOO_FEW_CONDITIONS,
        `Rdms.selectPatterns: an RDM needs at least 2 conditions, selected ${m}`,
        { field: 'indices' },
      );
    const out = Matrix.zeros(this.nRdms, (m * (m - 1)) / 2);
    for (let r = 0; r < this.nRdms; r++) {
      const src = this.getVector(r);
      let k = r * out.cols;
      for (let a = 0; a < m; a++) {
        for (let b = a + 1; b < m; b++) {
          const i = indices[a];
          const j = indices[b];
          out.data[k++] =
            i === j
              ? 0
              : i < j
                ? src[i * n - (i * (i + 1)) / 2 + (j - i - 1)]
                : src[j * n - (j * (j + 1)) / 2 + (i - j - 1)];
        }
      }
    }
    const pd = selectDescriptors(this.patternDescriptors, indices);
    delete pd.index;
    return new Rdms(out, {
      dissimilarityMeasure: this.dissimilarityMeasure,
      descriptors: this.descriptors,
      rdmDescriptors: this.rdmDescriptors,
      patternDescriptors: pd,
    });
  }

  /** Conditions whose pattern descriptor `by` takes one of `values` (rsatoolbox subset_pattern). */
  subsetPattern(by: string, values: DescriptorValue | readonly DescriptorValue[]): Rdms {
    return this.selectPatterns(indicesWhere(this.patternDescriptor(by), values));
  }

  /** A copy with other dissimilarities of the same shape (used by transforms). */
  withDissimilarities(dissimilarities: Matrix, dissimilarityMeasure = this.dissimilarityMeasure): Rdms {
    return new Rdms(dissimilarities, {
      dissimilarityMeasure,
      descriptors: this.descriptors,
      rdmDescriptors: this.rdmDescriptors,
      patternDescriptors: this.patternDescriptors,
    });
  }

  /** The vectors as an npy-ready array (`writeNpy(path, rdms.toArray())`), nRdms × nPairs. */
  toArray(): { data: Float64Array; shape: [number, number] } {
    return { data: this.dissimilarities.data as Float64Array, shape: [this.nRdms, this.nPairs] };
  }

  toJSON(): RdmsJson {
    const rows: (number | null)[][] = [];
    for (let i = 0; i < this.nRdms; i++) rows.push(Array.from(this.getVector(i), (x) => (Number.isNaN(x) ? null : x)));
    return {
      type: 'Rdms',
      dissimilarityMeasure: this.dissimilarityMeasure,
      nCond: this.nCond,
      dissimilarities: rows,
      descriptors: this.descriptors,
      rdmDescriptors: this.rdmDescriptors,
      patternDescriptors: this.patternDescriptors,
    };
  }

  private checkRdmIndex(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.nRdms))
      throw new ShapeError(`Rdms: RDM index ${i} outside [0, ${this.nRdms})`);
  }
}

function checkRdmDescriptors(kind: string, d: Descriptors, n: number, what: string): void {
  for (const [name, col] of Object.entries(d)) {
    if (!Array.isArray(col) || col.length !== n) {
      throw new ShapeError(
        `Rdms: ${kind}.${name} has ${Array.isArray(col) ? col.length : 'no'} entries, expected ${n} (one per ${what})`,
        {
          field: `${kind}.${name}`,
          expected: n,
          received: Array.isArray(col) ? col.length : typeof col,
        },
      );
    }
  }
}
