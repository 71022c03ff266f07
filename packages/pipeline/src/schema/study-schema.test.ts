/**
 * The one schema of the study file: the shipped studies pass it; broken entries are reported naming the entry, what
 * was expected and what was received (the messages compare-models prints, exit 2).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { StudyConfigError, validateStudyConfig } from '../study/config.ts';
import { firstSchemaError } from './first-error.ts';
import { StudySchema } from './study-schema.ts';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const base = {
  stimuli: { generate: {} },
  networks: [{ name: 'x', model: 'builtin:mobilenet_v2', layers: ['a'] }],
  brain: [{ name: 'b', type: 'fmri', simulate: { network: 'x', layer: 'a' } }],
  metrics: [{ type: 'rsa' }],
};

describe('StudySchema', () => {
  it('accepts the shipped comparison study and a trained-network entry', () => {
    for (const file of ['default.json', 'kriegeskorte92.json']) {
      const shipped = JSON.parse(readFileSync(`${repo}/data/studies/${file}`, 'utf8')) as unknown;
      expect(firstSchemaError(StudySchema, shipped), file).toBeUndefined();
    }
    expect(validateStudyConfig(base, repo).networks[0].name).toBe('x');
    const trained = {
      ...base,
      networks: [{ name: 't', train: { rule: 'bp', arch: 'mlp', dataset: 'fashion-mnist' } }],
    };
    // the union admits it (the learning-rule study's entry) when its own schema does
    const trainedOk = Value.Check(StudySchema.properties.networks.items.anyOf[1], trained.networks[0]);
    expect(firstSchemaError(StudySchema, trained) === undefined).toBe(trainedOk);
  });

  for (const [what, study, entry, message] of [
    [
      'an unknown metric',
      { ...base, metrics: [{ type: 'rsa' }, { type: 'magic' }] },
      'metrics[1].type',
      /unknown metric "magic"; expected one of rsa, cka, encoding/,
    ],
    [
      'an empty layer list',
      { ...base, networks: [{ name: 'x', model: 'm.onnx', layers: [] }] },
      'networks[0] (x).layers',
      /expected a non-empty list of layer names, received \[\]/,
    ],
    [
      'an unknown brain type',
      { ...base, brain: [{ name: 'b', type: 'meg' }] },
      'brain[0] (b).type',
      /expected one of eeg, fmri, rdms, received "meg"/,
    ],
    [
      'stimuli of no known form',
      { ...base, stimuli: { pictures: 'x' } },
      'stimuli',
      /expected one of generate.*received \{"pictures":"x"\}/,
    ],
    [
      'a window of one number',
      { ...base, brain: [{ name: 'e', type: 'eeg', window: [0.1] }] },
      'brain[0] (e).window',
      /expected \[from, to\] in seconds.*received \[0\.1\]/,
    ],
    ['no metrics', { ...base, metrics: [] }, 'metrics', /expected a non-empty list of metrics, received \[\]/],
    [
      'a network without a name',
      { ...base, networks: [{ model: 'builtin:mobilenet_v2', layers: ['a'] }] },
      'networks[0]',
      /expected .*received/,
    ],
    [
      'a window bound that is not finite (YAML .inf)',
      { ...base, brain: [{ name: 'e', type: 'eeg', simulate: { network: 'x', layer: 'a' }, window: [0, Infinity] }] },
      'brain[0] (e).window[1]',
      /expected number, received Infinity/,
    ],
    // what the schema cannot say, checked after it
    [
      'a window whose end comes before its start',
      { ...base, brain: [{ name: 'e', type: 'eeg', simulate: { network: 'x', layer: 'a' }, window: [0.5, 0.1] }] },
      'brain[0] (e).window',
      /from ≤ to, received \[0\.5,0\.1\]/,
    ],
    [
      'two networks of one name',
      { ...base, networks: [base.networks[0], base.networks[0]] },
      'networks[1] (x)',
      /duplicate network name 'x'/,
    ],
    [
      'a network with both a model and activations',
      { ...base, networks: [{ name: 'x', model: 'builtin:mobilenet_v2', activations: 'a.npz', layers: ['a'] }] },
      'networks[0] (x)',
      /exactly one of model .* or activations/,
    ],
    [
      'a simulation of a network the study does not list',
      { ...base, brain: [{ name: 'b', type: 'fmri', simulate: { network: 'y', layer: 'a' } }] },
      'brain[0] (b).simulate.network',
      /unknown network 'y'; networks are x/,
    ],
    [
      'an EEG entry with neither files nor a simulation',
      { ...base, brain: [{ name: 'e', type: 'eeg' }] },
      'brain[0] (e)',
      /give files .* or simulate/,
    ],
    [
      'an fMRI subject without runs',
      { ...base, brain: [{ name: 'f', type: 'fmri', subjects: [{ mask: 'm.nii' }] }] },
      'brain[0] (f).subjects[0]',
      /expected \{runs: \[\{bold, events\}\], mask\}/,
    ],
  ] as const) {
    it(`names the entry for ${what}`, () => {
      let err: unknown;
      try {
        validateStudyConfig(study, repo);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StudyConfigError);
      expect((err as StudyConfigError).message.startsWith(`${entry}: `)).toBe(true);
      expect((err as StudyConfigError).message).toMatch(message);
    });
  }
});
