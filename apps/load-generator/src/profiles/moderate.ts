import { constantCurve, type ProfileDefinition } from './types.js';

/** r(t) = R/2. */
export const moderate: ProfileDefinition = {
  id: 'moderate',
  label: { ru: 'Умеренная', en: 'Moderate' },
  description: { ru: 'Половина заданной интенсивности: R/2 запросов в секунду', en: 'Half the given rate: R/2 requests per second' },
  options: [],
  create: ({ rate }) => constantCurve(rate / 2),
};
