import type { Sfc32 } from '../../../core/index.js';
import { ACTORS, pick, World } from './world.js';

/** Questions per story and the statements between two questions, as in the released tasks. */
const QUESTIONS_PER_STORY = 5;
/** A story stops asking once it is this long, so its supports stay within a 50-sentence memory. */
const MAX_STATEMENTS = 40;
const NUMBERS = ['none', 'one', 'two', 'three'];

/** A question the world can ask now: text, answer and supporting ids; null when none fits. */
type Asker = (world: World) => { question: string; answer: string; supports: readonly number[] } | null;

/** Task 1, single supporting fact: "Where is Mary?" after moves only. */
const whereIsActor: Asker = (world) => {
  const placed = ACTORS.filter((a) => world.actorAt.has(a));
  if (placed.length === 0) return null;
  const actor = pick(world.rng, placed);
  const at = world.actorAt.get(actor) as { location: string; id: number };
  return { question: `Where is ${cap(actor)}?`, answer: at.location, supports: [at.id] };
};

/** Task 6, yes/no: "Is Mary in the kitchen?", yes or no with equal chance. */
const isActorIn: Asker = (world) => {
  const where = whereIsActor(world);
  if (where === null) return null;
  const actor = where.question.slice('Where is '.length, -1);
  const yes = world.rng.uniform() < 0.5;
  const location = yes ? where.answer : pickOther(world.rng, where.answer);
  return {
    question: `Is ${actor} in the ${location}?`,
    answer: yes ? 'yes' : 'no',
    supports: where.supports,
  };
};

/** Task 2, two supporting facts: "Where is the football?" (who got it, where they went). */
const whereIsObject: Asker = (world) => {
  const told = [...world.known.keys()];
  if (told.length === 0) return null;
  const object = pick(world.rng, told);
  const where = world.known.get(object) as { location: string; supports: readonly number[] };
  return { question: `Where is the ${object}?`, answer: where.location, supports: where.supports };
};

/** Task 3, three supporting facts: "Where was the football before the kitchen?". */
const whereWasObject: Asker = (world) => {
  const candidates = [...world.history.entries()].filter(([, list]) => {
    const last = list.at(-1)?.location;
    return list.length >= 2 && list.filter((w) => w.location === last).length === 1;
  });
  if (candidates.length === 0) return null;
  const [object, list] = pick(world.rng, candidates);
  const last = list.at(-1) as { location: string; supports: readonly number[] };
  const before = list.at(-2) as { location: string; supports: readonly number[] };
  return {
    question: `Where was the ${object} before the ${last.location}?`,
    answer: before.location,
    supports: [...before.supports, ...last.supports],
  };
};

/** Task 7, counting: "How many objects is Mary carrying?". */
const howMany: Asker = (world) => {
  const actor = handler(world);
  if (actor === null) return null;
  const count = world.carrying.get(actor)?.length ?? 0;
  return {
    question: `How many objects is ${cap(actor)} carrying?`,
    answer: NUMBERS[count] as string,
    supports: world.handled.get(actor) ?? [],
  };
};

/** Task 8, lists: "What is Mary carrying?"; the objects in the order got, comma-joined, or nothing. */
const whatCarrying: Asker = (world) => {
  const actor = handler(world);
  if (actor === null) return null;
  const held = world.carrying.get(actor) ?? [];
  return {
    question: `What is ${cap(actor)} carrying?`,
    answer: held.length === 0 ? 'nothing' : held.join(','),
    supports: world.handled.get(actor) ?? [],
  };
};

/** An actor who has got or dropped something, or null. */
function handler(world: World): string | null {
  const actors = ACTORS.filter((a) => (world.handled.get(a)?.length ?? 0) > 0);
  return actors.length === 0 ? null : pick(world.rng, actors);
}

function pickOther(rng: Sfc32, location: string): string {
  return pick(
    rng,
    ['bathroom', 'bedroom', 'garden', 'hallway', 'kitchen', 'office'].filter((l) => l !== location),
  );
}

export function cap(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The generators of the world tasks: whether actors handle objects, and the question. */
export const WORLD_TASKS: ReadonlyMap<number, { readonly objects: boolean; readonly ask: Asker }> = new Map([
  [1, { objects: false, ask: whereIsActor }],
  [2, { objects: true, ask: whereIsObject }],
  [3, { objects: true, ask: whereWasObject }],
  [6, { objects: false, ask: isActorIn }],
  [7, { objects: true, ask: howMany }],
  [8, { objects: true, ask: whatCarrying }],
]);

/**
 * One story of a world task: random actions, and after every two (or more, until a question fits)
 * a question, up to five per story or `budget`, whichever is smaller.
 */
export function worldStory(task: number, rng: Sfc32, budget: number): string[] {
  const spec = WORLD_TASKS.get(task);
  if (spec === undefined) throw new Error(`task ${task} is not a world task`);
  const world = new World(rng);
  const limit = Math.min(QUESTIONS_PER_STORY, budget);
  let statements = 0;
  let since = 0;
  while (world.story.questions < limit && statements < MAX_STATEMENTS) {
    world.act(spec.objects);
    statements += 1;
    since += 1;
    if (since < 2) continue;
    const asked = spec.ask(world);
    if (asked === null) continue;
    world.story.ask(asked.question, asked.answer, asked.supports);
    since = 0;
  }
  return world.story.lines;
}
