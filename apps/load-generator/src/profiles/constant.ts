import { constantCurve, type ProfileDefinition } from './types.js';

/** r(t) = R. */
export const constant: ProfileDefinition = {
  id: 'constant',
  label: { ru: 'Постоянная', en: 'Constant' },
  description: { ru: 'Ровно R запросов в секунду всё время теста', en: 'Exactly R requests per second for the whole test' },
  options: [],
  create: ({ rate }) => constantCurve(rate),
};
