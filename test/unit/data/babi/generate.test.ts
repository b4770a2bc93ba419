import { describe, expect, it } from 'vitest';
import { runStreams, Stream } from '../../../../src/core/index.js';
import {
  type BabiQuestion,
  GENERATED_TASKS,
  generateBabiLines,
  generatedBabiSplit,
  parseBabi,
} from '../../../../src/data/babi/index.js';

const LOCATIONS = new Set(['bathroom', 'bedroom', 'garden', 'hallway', 'kitchen', 'office']);
const DROPS = new Set(['dropped', 'discarded', 'put', 'left']);
const NUMBERS = ['none', 'one', 'two', 'three'];

/** The world as the statements before a question tell it, replayed independently of the generator. */
interface Replayed {
  readonly actorAt: Map<string, { location: string; id: number }>;
  readonly holder: Map<string, { actor: string; id: number }>;
  readonly objectAt: Map<string, { location: string; ids: number[] }>;
  /** Locations each object was told to be in, a new entry at each change. */
  readonly history: Map<string, string[]>;
  readonly carrying: Map<string, string[]>;
}

function replay(q: BabiQuestion): Replayed {
  const world: Replayed = {
    actorAt: new Map(),
    holder: new Map(),
    objectAt: new Map(),
    history: new Map(),
    carrying: new Map(),
  };
  const place = (object: string, location: string, ids: number[]) => {
    world.objectAt.set(object, { location, ids });
    const list = world.history.get(object) ?? [];
    if (list.at(-1) !== location) list.push(location);
    world.history.set(object, list);
  };
  for (const { id, words } of q.facts) {
    const actor = words[0] as string;
    const last = words.at(-1) as string;
    const carrying = world.carrying.get(actor) ?? [];
    world.carrying.set(actor, carrying);
    if (LOCATIONS.has(last)) {
      world.actorAt.set(actor, { location: last, id });
      for (const object of carrying) place(object, last, [world.holder.get(object)?.id as number, id]);
    } else if (DROPS.has(words[1] as string)) {
      world.holder.delete(last);
      carrying.splice(carrying.indexOf(last), 1);
      const at = world.actorAt.get(actor) as { location: string; id: number };
      world.objectAt.set(last, { location: at.location, ids: [at.id, id] });
    } else {
      world.holder.set(last, { actor, id });
      carrying.push(last);
      const at = world.actorAt.get(actor) as { location: string; id: number };
      place(last, at.location, [at.id, id]);
    }
  }
  return world;
}

function questions(task: number, seed: number): BabiQuestion[] {
  const lines = generateBabiLines(task, 200, runStreams(seed, 2).stream(Stream.syntheticData, task));
  return parseBabi(`${lines.join('\n')}\n`, `generated-${task}`);
}

describe('generated bAbI-style tasks', () => {
  it('are deterministic per seed, differ across seeds, and hold 1k training and 1k test questions', () => {
    for (const task of GENERATED_TASKS) {
      expect(questions(task, 7)).toEqual(questions(task, 7));
      expect(questions(task, 7)).not.toEqual(questions(task, 8));
    }
    const split = generatedBabiSplit(1);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([900, 100, 1000]);
  });

  it('task 1 and 6: the answer is where the actor last moved, supported by that move', () => {
    for (const q of questions(1, 3)) {
      const at = replay(q).actorAt.get(q.question[2] as string);
      expect([q.answer, q.supports]).toEqual([at?.location, [at?.id]]);
    }
    const six = questions(6, 3);
    expect(new Set(six.map((q) => q.answer))).toEqual(new Set(['yes', 'no']));
    for (const q of six) {
      const at = replay(q).actorAt.get(q.question[1] as string);
      expect(q.answer).toBe(at?.location === q.question.at(-1) ? 'yes' : 'no');
      expect(q.supports).toEqual([at?.id]);
    }
  });

  it('task 2: the object is where its holder is or where it was dropped, supported by both facts', () => {
    for (const q of questions(2, 3)) {
      const where = replay(q).objectAt.get(q.question.at(-1) as string);
      expect(q.answer).toBe(where?.location);
      expect(q.supports).toEqual([...new Set(where?.ids)].sort((a, b) => a - b));
    }
  });

  it('task 3: the answer is the location the object was in before the one asked about', () => {
    for (const q of questions(3, 3)) {
      const history = replay(q).history.get(q.question[3] as string) ?? [];
      expect(history.at(-1)).toBe(q.question.at(-1));
      expect(q.answer).toBe(history.at(-2));
      expect(q.supports.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('tasks 7 and 8: counts and lists of what the actor carries', () => {
    for (const q of questions(7, 3)) {
      expect(q.answer).toBe(NUMBERS[replay(q).carrying.get(q.question[4] as string)?.length ?? -1]);
    }
    for (const q of questions(8, 3)) {
      const held = replay(q).carrying.get(q.question[2] as string) ?? [];
      expect(q.answer).toBe(held.length === 0 ? 'nothing' : held.join(','));
    }
  });

  it('tasks 11, 12, 13: pronouns and pairs resolve to where the actor went, supported by the naming statement too', () => {
    for (const task of [11, 12, 13]) {
      for (const q of questions(task, 3)) {
        const at = new Map<string, { location: string; ids: number[] }>();
        let named: { actors: string[]; id: number } | null = null;
        for (const { id, words } of q.facts) {
          const location = words.at(-1) as string;
          const pronoun = words.find((w) => ['he', 'she', 'they'].includes(w));
          if (pronoun !== undefined) {
            for (const actor of named?.actors ?? [])
              at.set(actor, { location, ids: [named?.id as number, id] });
            named = null;
          } else {
            const actors =
              words[1] === 'and' ? [words[0] as string, words[2] as string] : [words[0] as string];
            for (const actor of actors) at.set(actor, { location, ids: [id] });
            named = { actors, id };
          }
        }
        const where = at.get(q.question[2] as string);
        expect([q.answer, q.supports], `task ${task} ${q.source}`).toEqual([where?.location, where?.ids]);
      }
    }
  });

  it('task 15: the fear of the named animal’s kind; task 16: the colour of another member of its species', () => {
    const singular: Record<string, string> = { mice: 'mouse', sheep: 'sheep', wolves: 'wolf', cats: 'cat' };
    for (const q of questions(15, 3)) {
      const kind = q.facts.find((f) => f.words[0] === q.question[2] && f.words[2] === 'a');
      const fear = q.facts.find(
        (f) => singular[f.words[0] as string] === kind?.words[3] && f.words[1] === 'are',
      );
      expect(q.answer).toBe(singular[fear?.words.at(-1) as string]);
      expect(q.supports).toEqual([fear?.id, kind?.id].sort((a, b) => (a ?? 0) - (b ?? 0)));
    }
    for (const q of questions(16, 3)) {
      const target = q.question[2] as string;
      const species = q.facts.find((f) => f.words[0] === target && f.words[2] === 'a')?.words[3];
      const witness = q.facts.find((f) => f.words[0] !== target && f.words[3] === species)?.words[0];
      const color = q.facts.find((f) => f.words[0] === witness && f.words.length === 3)?.words[2];
      expect(q.answer).toBe(color);
      expect(q.supports).toHaveLength(3);
    }
  });
});
