import type { ProfileDefinition } from './types.js';

/** r(t) = R·(s + (1 − s)·min(1, t/ramp)), s = 0.5 and ramp = T by default. */
export const warmup: ProfileDefinition = {
  id: 'warmup',
  label: { ru: 'Нагрев', en: 'Warm-up' },
  description: {
    ru: 'Плавный рост от R/2 до R за время разгона (по умолчанию — весь тест)',
    en: 'A smooth ramp from R/2 to R over the ramp time (the whole test by default)',
  },
  options: [
    {
      name: 'ramp',
      type: 'duration',
      default: null,
      min: 0.1,
      max: 86_400,
      description: { ru: 'Время разгона, с (0.1…86400; по умолчанию — длительность теста)', en: 'Ramp time, seconds (0.1…86400; default: the test duration)' },
    },
    { name: 'start', type: 'number', default: 0.5, min: 0, max: 1, description: { ru: 'Начальная доля R (0…1); пик — R', en: 'Starting fraction of R (0…1); the peak is R' } },
  ],
  create: ({ rate, duration, options }) => {
    const ramp = (options.ramp as number | null) ?? duration;
    const s = Math.min(1, options.start as number);
    const r0 = rate * s;
    const slope = (rate - r0) / ramp;
    const atRamp = r0 * ramp + (slope * ramp * ramp) / 2;
    return {
      peak: rate,
      rate: (t) => (t < 0 ? 0 : t < ramp ? r0 + slope * t : rate),
      integral: (t) => (t <= 0 ? 0 : t < ramp ? r0 * t + (slope * t * t) / 2 : atRamp + rate * (t - ramp)),
    };
  },
};
