import type { ProfileDefinition } from './types.js';

/** r(t) = R·(1 + A·sin(2πt/P)); Λ(t) = R·(t + A·P/2π·(1 − cos(2πt/P))). */
export const wave: ProfileDefinition = {
  id: 'wave',
  label: { ru: 'Волнообразная', en: 'Wave' },
  description: { ru: 'Синусоида вокруг R: R·(1 + 0.5·sin(2πt/P)), P = 30 с', en: 'A sine around R: R·(1 + 0.5·sin(2πt/P)), P = 30 s' },
  options: [
    { name: 'period', type: 'duration', default: 30, min: 0.1, max: 86_400, description: { ru: 'Период волны P, с (0.1…86400)', en: 'Wave period P, seconds (0.1…86400)' } },
    {
      name: 'amplitude',
      type: 'number',
      default: 0.5,
      min: 0,
      max: 1,
      description: { ru: 'Амплитуда A (доля R, от 0 до 1; пик R·(1+A) ≤ MAX_RATE)', en: 'Amplitude A (fraction of R, 0 to 1; the peak R·(1+A) ≤ MAX_RATE)' },
    },
  ],
  peakOption: () => 'amplitude',
  create: ({ rate, options }) => {
    const p = options.period as number;
    const a = Math.min(1, options.amplitude as number);
    const w = (2 * Math.PI) / p;
    return {
      peak: rate * (1 + a),
      rate: (t) => (t < 0 ? 0 : rate * (1 + a * Math.sin(w * t))),
      integral: (t) => (t <= 0 ? 0 : rate * (t + (a / w) * (1 - Math.cos(w * t)))),
    };
  },
};
