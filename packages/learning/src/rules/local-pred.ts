/** local-pred: Nøkland & Eidnes (2019)'s 'pred' local loss in every hidden block (see local-loss.ts). */
import { localLossRule } from './local-loss-rule.ts';

export const localPredRule = localLossRule('pred');
