import { constantCurve, type ProfileDefinition } from './types.js';

/** r(t) = R/10. */
export const night: ProfileDefinition = {
  id: 'night',
  label: { ru: 'Ночной режим', en: 'Night' },
  description: { ru: 'Ночной фон: R/10 запросов в секунду', en: 'Night-time background: R/10 requests per second' },
  options: [],
  create: ({ rate }) => constantCurve(rate / 10),
};
