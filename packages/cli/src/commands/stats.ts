/** `concord evaluate`, `concord stats ...`, `concord permutation-test`: the stats package's commands. */
import type { Command } from '../command.ts';

export const statsCommands: Command[] = [];
