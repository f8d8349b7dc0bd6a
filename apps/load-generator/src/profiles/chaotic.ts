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
    { name: 'min_segment', type: 'duration', default: 0.5, min: 0.05, description: { ru: 'Минимальная длина отрезка, с', en: 'Shortest segment, seconds' } },
    { name: 'max_segment', type: 'duration', default: 3, min: 0.05, description: { ru: 'Максимальная длина отрезка, с', en: 'Longest segment, seconds' } },
    { name: 'pause_probability', type: 'number', default: 0.15, min: 0, description: { ru: 'Вероятность паузы (0…1)', en: 'Probability of a pause (0…1)' } },
    { name: 'burst_probability', type: 'number', default: 0.2, min: 0, description: { ru: 'Вероятность всплеска (0…1)', en: 'Probability of a burst (0…1)' } },
    { name: 'burst', type: 'number', default: 3, min: 1, description: { ru: 'Наибольший всплеск, в разах от R', en: 'Largest burst, as a multiple of R' } },
  ],
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
