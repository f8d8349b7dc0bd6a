import { seededRandom } from '@o11y/platform';
import { piecewiseLinear } from './piecewise.js';
import type { ProfileDefinition } from './types.js';

/**
 * Random bursts and pauses from a seed: the test is cut into segments of random length, each a
 * pause, a burst (up to `burst` × R) or ordinary traffic around R; the whole is then scaled so the
 * mean over the test is exactly R. The same seed gives the same schedule.
 */
export const chaotic: ProfileDefinition = {
  id: 'chaotic',
  label: { ru: 'Хаотичная', en: 'Chaotic' },
  description: {
    ru: 'Случайные всплески и паузы; средняя интенсивность R; тот же seed повторяет то же расписание',
    en: 'Random bursts and pauses with mean rate R; the same seed replays the same schedule',
  },
  options: [
    { name: 'min_segment', type: 'duration', default: 0.5, min: 0.05, max: 600, description: { ru: 'Минимальная длина отрезка, с (0.05…600)', en: 'Shortest segment, seconds (0.05…600)' } },
    { name: 'max_segment', type: 'duration', default: 3, min: 0.05, max: 3600, description: { ru: 'Максимальная длина отрезка, с (0.05…3600)', en: 'Longest segment, seconds (0.05…3600)' } },
    {
      name: 'pause_probability',
      type: 'number',
      default: 0.15,
      min: 0,
      max: 0.9,
      description: {
        ru: 'Вероятность паузы (0…0.9); паузы поднимают остальные отрезки, чтобы среднее осталось R',
        en: 'Probability of a pause (0…0.9); pauses raise the other segments so the mean stays R',
      },
    },
    { name: 'burst_probability', type: 'number', default: 0.2, min: 0, max: 1, description: { ru: 'Вероятность всплеска (0…1)', en: 'Probability of a burst (0…1)' } },
    {
      name: 'burst',
      type: 'number',
      default: 3,
      min: 1,
      max: 100,
      description: { ru: 'Наибольший всплеск, в разах от R (1…100); пик расписания ≤ MAX_RATE', en: 'Largest burst, as a multiple of R (1…100); the schedule’s peak ≤ MAX_RATE' },
    },
  ],
  nominalPeak: ({ rate, options }) => rate * (options.burst as number),
  // A burst alone over the limit is the burst's fault; otherwise the pauses scaled the rest up.
  peakOption: ({ rate, options }, maxRate) => (rate * (options.burst as number) > maxRate ? 'burst' : 'pause_probability'),
  create: ({ rate, duration, options, seed }) => {
    const random = seededRandom(seed);
    const minSeg = options.min_segment as number;
    const maxSeg = Math.max(minSeg, options.max_segment as number);
    const pauseP = Math.min(1, options.pause_probability as number);
    const burstP = Math.min(1 - pauseP, options.burst_probability as number);
    const burst = options.burst as number;
    const segments: Array<{ length: number; mult: number }> = [];
    let t = 0;
    // Bounded: every segment is at least minSeg long, and duration ≤ MAX_DURATION.
    while (t < duration) {
      const length = Math.min(minSeg + random() * (maxSeg - minSeg), duration - t);
      const u = random();
      const v = random();
      const mult = u < pauseP ? 0 : u < pauseP + burstP ? 1.5 + v * (burst - 1.5) : 0.3 + v * 0.9;
      segments.push({ length, mult: Math.max(0, mult) });
      t += length;
    }
    const area = segments.reduce((s, x) => s + x.length * x.mult, 0);
    const scale = area > 0 ? duration / area : 0;
    const pieces =
      scale > 0
        ? segments.map((s) => ({ length: s.length, from: rate * s.mult * scale, to: rate * s.mult * scale }))
        : [{ length: duration, from: rate, to: rate }];
    return piecewiseLinear(pieces);
  },
};
