import { piecewiseLinear } from './piecewise.js';
import type { ProfileDefinition } from './types.js';

export interface Stage {
  duration: number;
  rate: number;
}

/**
 * User stages `[{duration, rate}]`, linear between them like k6's ramping-arrival-rate: each stage
 * moves the rate linearly from the previous stage's rate (or `start_rate`) to its own over its
 * duration; after the last stage its rate holds. Without stages: up to R over the first quarter,
 * R for half the test, down to 0 over the last quarter.
 */
export const stages: ProfileDefinition = {
  id: 'stages',
  label: { ru: 'Ступени', en: 'Stages' },
  description: {
    ru: 'Свои ступени [{duration, rate}], линейно между ними (как ramping-arrival-rate в k6)',
    en: 'Your own stages [{duration, rate}], linear between them (like k6 ramping-arrival-rate)',
  },
  options: [
    {
      name: 'stages',
      type: 'stages',
      default: null,
      description: {
        ru: 'Список ступеней [{duration, rate}] (до 1000; duration ≥ 0 с, rate 0…MAX_RATE); по умолчанию — разгон до R за 1/4 теста, R половину теста, спад до 0',
        en: 'List of stages [{duration, rate}] (up to 1000; duration ≥ 0 s, rate 0…MAX_RATE); default: ramp to R over 1/4 of the test, R for half, down to 0',
      },
    },
    {
      name: 'start_rate',
      type: 'number',
      default: 0,
      min: 0,
      max: 'MAX_RATE',
      description: { ru: 'Интенсивность в начале первой ступени (0…MAX_RATE)', en: 'Rate at the start of the first stage (0…MAX_RATE)' },
    },
  ],
  peakOption: () => 'start_rate',
  create: ({ rate, duration, options }) => {
    const list =
      (options.stages as Stage[] | null) ?? [
        { duration: duration / 4, rate },
        { duration: duration / 2, rate },
        { duration: duration / 4, rate: 0 },
      ];
    let prev = options.start_rate as number;
    const pieces = list.map((s) => {
      const piece = { length: s.duration, from: prev, to: s.rate };
      prev = s.rate;
      return piece;
    });
    return piecewiseLinear(pieces.length ? pieces : [{ length: duration, from: rate, to: rate }]);
  },
};
