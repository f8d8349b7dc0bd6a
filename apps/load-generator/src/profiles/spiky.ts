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
    { name: 'period', type: 'duration', default: 5, min: 0.001, description: { ru: 'Период спайков, с', en: 'Spike period, seconds' } },
    { name: 'width', type: 'duration', default: 1, min: 0, description: { ru: 'Длина спайка, с (не больше периода)', en: 'Spike width, seconds (at most the period)' } },
    { name: 'multiplier', type: 'number', default: 2, min: 0, description: { ru: 'Во сколько раз спайк выше R', en: 'Spike rate as a multiple of R' } },
  ],
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
