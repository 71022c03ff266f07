/** `concord evaluate`: rsatoolbox-style model evaluation (bootstrap, tests on results). */
import type { Command } from '../command.ts';

export const evaluateCommands: Command[] = [];
