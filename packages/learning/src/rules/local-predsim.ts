/** local-predsim: Nøkland & Eidnes (2019)'s 'predsim' local loss in every hidden block (see local-loss.ts). */
import { localLossRule } from './local-loss-rule.ts';

export const localPredsimRule = localLossRule('predsim');
