/**
 * The rule registry: every rule module, listed once. To add a rule, import its module and add it to RULES (one
 * line each; keep the order: issue 14's rules, then issue 16's).
 */
import { ParameterError } from '@concord/core';
import type { LearningRule } from '../rule.ts';
import { bp } from './bp.ts';
import { dfa } from './dfa.ts';
import { dtpRule } from './dtp.ts';
import { equilibriumPropagationRule } from './equilibrium-propagation.ts';
import { fa } from './fa.ts';
import { forwardForwardRule } from './forward-forward.ts';
import { forwardGradientRule } from './forward-gradient.ts';
import { krotovHopfieldRule } from './krotov-hopfield.ts';
import { localPredRule } from './local-pred.ts';
import { localPredsimRule } from './local-predsim.ts';
import { localSimRule } from './local-sim.ts';
import { nodePerturbationRule } from './node-perturbation.ts';
import { ojaRule } from './oja.ts';
import { predictiveCodingRule } from './predictive-coding.ts';
import { predictiveCodingFpaRule } from './predictive-coding-fpa.ts';
import { signSymmetry } from './sign-symmetry.ts';
import { softHebbRule } from './softhebb.ts';
import { stdpRule } from './stdp.ts';

export const RULES: readonly LearningRule[] = [
  // issue 14
  bp,
  fa,
  dfa,
  signSymmetry,
  dtpRule,
  localPredRule,
  localSimRule,
  localPredsimRule,
  forwardForwardRule,
  nodePerturbationRule,
  forwardGradientRule,
  // issue 16
  predictiveCodingRule,
  predictiveCodingFpaRule,
  equilibriumPropagationRule,
  ojaRule,
  krotovHopfieldRule,
  softHebbRule,
  stdpRule,
];

export function ruleNames(): string[] {
  return RULES.map((r) => r.declaration.name);
}

/** The rule named `name`; the error lists the valid names. */
export function getRule(name: string): LearningRule {
  const rule = RULES.find((r) => r.declaration.name === name);
  if (!rule)
    throw new ParameterError(
      'ERR_LEARNING_UNKNOWN_RULE',
      'rule',
      `unknown rule '${name}'; valid rules: ${ruleNames().join(', ')}`,
      { received: name, expected: ruleNames() },
    );
  return rule;
}
