/**
 * Models that predict an RDM (rsatoolbox.model): the interface every evaluation takes, and `ModelFixed`, a model
 * without parameters whose prediction is one RDM. Flexible models (select, weighted, interpolate) live in
 * flexible-models.ts.
 */
import { Matrix, ParameterError } from '@concord/core';
import { Rdms } from '@concord/rsa';
import { STATS_ERRORS } from './errors.ts';

export interface FitOptions {
  method: string;
  /** Conditions (indices into the model's conditions, repeats allowed) the data RDMs are over. */
  patternIdx?: ArrayLike<number>;
}

/** What the evaluations need from a model (rsatoolbox Model). */
export interface Model {
  readonly name: string;
  /** Number of parameters (0 for fixed models). */
  readonly nParam: number;
  /** Number of conditions of the predicted RDM. */
  readonly nCond: number;
  /** The predicted RDM vector (upper triangle, squareform order) for parameters `theta`. */
  predictRdm(theta?: ArrayLike<number>): Float64Array;
  /** Parameters fitted to `data` (RDMs over the conditions `opts.patternIdx`); fixed models return []. */
  fit(data: Rdms, opts: FitOptions): Float64Array;
}

function conditionsOf(length: number, parameter: string): number {
  const n = (1 + Math.sqrt(1 + 8 * length)) / 2;
  if (!Number.isInteger(n) || n < 2)
    throw new ParameterError(
      STATS_ERRORS.CONDITIONS,
      parameter,
      `an RDM vector has n(n-1)/2 entries for n ≥ 2 conditions; received length ${length}`,
      { received: length },
    );
  return n;
}

/** rsatoolbox ModelFixed: always predicts the same RDM. */
export class ModelFixed implements Model {
  readonly nParam = 0;
  readonly nCond: number;
  private readonly rdm: Float64Array;
  constructor(
    readonly name: string,
    rdm: ArrayLike<number> | Rdms,
  ) {
    if (rdm instanceof Rdms) {
      if (rdm.nRdms !== 1)
        throw new ParameterError(STATS_ERRORS.MODEL, 'rdm', `ModelFixed takes one RDM; received ${rdm.nRdms}`);
      this.rdm = Float64Array.from(rdm.getVector(0));
    } else this.rdm = Float64Array.from(rdm);
    this.nCond = conditionsOf(this.rdm.length, 'rdm');
  }
  predictRdm(): Float64Array {
    return this.rdm;
  }
  fit(): Float64Array {
    return new Float64Array(0);
  }
}

/** Models from a list of models, an Rdms (one fixed model per RDM) or a Matrix of RDM vectors (one per row). */
export function asModels(models: Model | readonly Model[] | Rdms | Matrix, parameter = 'models'): Model[] {
  if (models instanceof Rdms) {
    const names = models.rdmDescriptors.name;
    return Array.from(
      { length: models.nRdms },
      (_, i) => new ModelFixed(String(names?.[i] ?? `model ${i}`), models.getVector(i)),
    );
  }
  if (models instanceof Matrix)
    return Array.from({ length: models.rows }, (_, i) => new ModelFixed(`model ${i}`, models.row(i)));
  const list = Array.isArray(models) ? (models as readonly Model[]) : [models as Model];
  if (list.length === 0) throw new ParameterError(STATS_ERRORS.TOO_FEW, parameter, 'expected at least one model');
  return [...list];
}
