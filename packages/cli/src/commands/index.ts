/**
 * Every command of `concord`. Each area owns one module exporting its commands, so areas never edit the same file.
 */
import type { Command } from '../command.ts';
import { activationsCommands } from './activations.ts';
import { apiCommands } from './api.ts';
import { coreCommands } from './core.ts';
import { eegCommands } from './eeg.ts';
import { evaluateCommands } from './evaluate.ts';
import { fmriCommands } from './fmri.ts';
import { rsaCommands } from './rsa.ts';
import { similarityCommands } from './similarity.ts';
import { statsCommands } from './stats.ts';
import { studyCommands } from './study.ts';
import { trainCommands } from './train.ts';

export function allCommands(): Command[] {
  return [
    ...coreCommands,
    ...rsaCommands,
    ...similarityCommands,
    ...eegCommands,
    ...fmriCommands,
    ...activationsCommands,
    ...apiCommands,
    ...studyCommands,
    ...trainCommands,
    ...statsCommands,
    ...evaluateCommands,
  ];
}
