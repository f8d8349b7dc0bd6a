import type { ProfileDefinition } from './types.js';

/** r(t) = R, and multiplier·R during the first `width` seconds of every `period`. */
export const spiky: ProfileDefinition = {
  id: 'spiky',
  label: { ru: 'Спайковая', en: 'Spiky' },
  description: {
    ru: 'R, и 2R в первую секунду каждого 5-секундного периода',
    en: 'R, and 2R during the first second of every 5-second period',
  },
  options: [
    { name: 'period', type: 'duration', default: 5, min: 0.1, max: 3600, description: { ru: 'Период спайков, с (0.1…3600)', en: 'Spike period, seconds (0.1…3600)' } },
    { name: 'width', type: 'duration', default: 1, min: 0, max: 3600, description: { ru: 'Длина спайка, с (0…3600, не больше периода)', en: 'Spike width, seconds (0…3600, at most the period)' } },
    {
      name: 'multiplier',
      type: 'number',
      default: 2,
      min: 0,
      max: 1000,
      description: { ru: 'Во сколько раз спайк выше R (0…1000; пик R·multiplier ≤ MAX_RATE)', en: 'Spike rate as a multiple of R (0…1000; the peak R·multiplier ≤ MAX_RATE)' },
    },
  ],
  peakOption: () => 'multiplier',
  create: ({ rate, options }) => {
    const period = options.period as number;
    const width = Math.min(options.width as number, period);
    const high = rate * (options.multiplier as number);
    const perPeriod = high * width + rate * (period - width);
    return {
      peak: Math.max(high, rate),
      rate: (t) => (t < 0 ? 0 : t % period < width ? high : rate),
      integral: (t) => {
        if (t <= 0) return 0;
        const n = Math.floor(t / period);
        const x = t - n * period;
        return n * perPeriod + (x < width ? high * x : high * width + rate * (x - width));
      },
    };
  },
};
