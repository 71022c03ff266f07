/** local-sim: Nøkland & Eidnes (2019)'s 'sim' local loss in every hidden block (see local-loss.ts). */
import { localLossRule } from './local-loss-rule.ts';

export const localSimRule = localLossRule('sim');
