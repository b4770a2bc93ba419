import type { Sfc32 } from '../../../core/index.js';
import { pick, StoryWriter } from './world.js';

/** [singular, plural] of the animals of task 15. */
const ANIMALS: readonly (readonly [string, string])[] = [
  ['mouse', 'mice'],
  ['sheep', 'sheep'],
  ['wolf', 'wolves'],
  ['cat', 'cats'],
];
const NAMES_15 = ['gertrude', 'winona', 'jessica', 'emily'];
const SPECIES_16 = ['swan', 'lion', 'frog', 'rhino'];
const COLORS = ['white', 'yellow', 'green', 'gray'];
const NAMES_16 = ['lily', 'bernhard', 'greg', 'julius', 'brian'];

function cap(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Task 15, basic deduction: "Sheep are afraid of wolves. Gertrude is a sheep. What is Gertrude
 * afraid of?" → wolf. Four fears, four names, then questions about them; the supports are the
 * name's kind and that kind's fear.
 */
export function deductionStory(rng: Sfc32, budget: number): string[] {
  const story = new StoryWriter();
  const fearId = new Map<string, { id: number; feared: string }>();
  for (const [singular, plural] of ANIMALS) {
    const feared = pick(
      rng,
      ANIMALS.filter(([s]) => s !== singular),
    );
    const id = story.fact(`${cap(plural)} are afraid of ${feared[1]}.`);
    fearId.set(singular, { id, feared: feared[0] });
  }
  const kinds = new Map<string, { id: number; kind: string }>();
  for (const name of NAMES_15) {
    const kind = pick(rng, ANIMALS)[0];
    kinds.set(name, { id: story.fact(`${cap(name)} is a ${kind}.`), kind });
  }
  const asked = rng.permutation(NAMES_15.length).subarray(0, Math.min(4, budget));
  for (const n of asked) {
    const name = NAMES_15[n] as string;
    const { id, kind } = kinds.get(name) as { id: number; kind: string };
    const fear = fearId.get(kind) as { id: number; feared: string };
    story.ask(`What is ${cap(name)} afraid of?`, fear.feared, [id, fear.id]);
  }
  return story.lines;
}

/**
 * Task 16, basic induction: "Lily is a swan. Lily is white. Bernhard is a swan. What color is
 * Bernhard?" → white. Each species has one color; the asked name's species is told, and exactly
 * one other member of it with its color. Supports: the three statements that decide the answer.
 */
export function inductionStory(rng: Sfc32): string[] {
  const story = new StoryWriter();
  const colorOf = new Map(SPECIES_16.map((s) => [s, pick(rng, COLORS)]));
  const order = rng.permutation(NAMES_16.length);
  const target = NAMES_16[order[0] as number] as string;
  const species = pick(rng, SPECIES_16);
  const others = Array.from(order.subarray(1), (i) => NAMES_16[i] as string);
  let witness: [number, number] | null = null;
  for (const [i, name] of others.entries()) {
    // The first other name is the witness of the target's species; the rest are of other species.
    const kind =
      i === 0
        ? species
        : pick(
            rng,
            SPECIES_16.filter((s) => s !== species),
          );
    const isA = story.fact(`${cap(name)} is a ${kind}.`);
    const isColor = story.fact(`${cap(name)} is ${colorOf.get(kind)}.`);
    if (i === 0) witness = [isA, isColor];
  }
  const targetId = story.fact(`${cap(target)} is a ${species}.`);
  story.ask(`What color is ${cap(target)}?`, colorOf.get(species) as string, [targetId, ...(witness ?? [])]);
  return story.lines;
}
