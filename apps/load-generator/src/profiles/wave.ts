import type { ProfileDefinition } from './types.js';

/** r(t) = R·(1 + A·sin(2πt/P)); Λ(t) = R·(t + A·P/2π·(1 − cos(2πt/P))). */
export const wave: ProfileDefinition = {
  id: 'wave',
  label: { ru: 'Волнообразная', en: 'Wave' },
  description: { ru: 'Синусоида вокруг R: R·(1 + 0.5·sin(2πt/P)), P = 30 с', en: 'A sine around R: R·(1 + 0.5·sin(2πt/P)), P = 30 s' },
  options: [
    { name: 'period', type: 'duration', default: 30, min: 0.001, description: { ru: 'Период волны P, с', en: 'Wave period P, seconds' } },
    { name: 'amplitude', type: 'number', default: 0.5, min: 0, description: { ru: 'Амплитуда A (доля R, от 0 до 1)', en: 'Amplitude A (fraction of R, 0 to 1)' } },
  ],
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
