import type { Sfc32 } from '../../../core/index.js';
import { ACTORS, LOCATIONS, pick, StoryWriter } from './world.js';

const MOVE_VERBS = ['moved to', 'went to', 'journeyed to', 'travelled to', 'went back to'];
const THEN = ['Then', 'After that', 'Following that', 'Afterwards'];
const FEMALE = new Set(['mary', 'sandra']);

function cap(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Tasks 11 (basic coreference: "Then she went to the office."), 12 (conjunction: "Mary and John
 * went to the garden.") and 13 (compound coreference: "Then they went to the garden."): actors
 * moving between locations, told with pronouns or pairs; "Where is Mary?". A pronoun refers to the
 * subject of the statement just before, which named it; the supports of an answer are the
 * statement that moved the actor last and, for a pronoun, the statement that named its referent.
 */
export function peopleStory(task: 11 | 12 | 13, rng: Sfc32, budget: number): string[] {
  const story = new StoryWriter();
  const at = new Map<string, { location: string; supports: number[] }>();
  let named: { actors: string[]; id: number } | null = null;
  const limit = Math.min(5, budget);
  let since = 0;
  while (story.questions < limit) {
    const location = pick(rng, LOCATIONS);
    const verb = pick(rng, MOVE_VERBS);
    const refer = named !== null && (task === 11 ? named.actors.length === 1 : named.actors.length === 2);
    if (refer && named !== null && task !== 12 && rng.uniform() < 0.5) {
      const pronoun = task === 13 ? 'they' : FEMALE.has(named.actors[0] as string) ? 'she' : 'he';
      const id = story.fact(`${pick(rng, THEN)} ${pronoun} ${verb} the ${location}.`);
      for (const actor of named.actors) at.set(actor, { location, supports: [named.id, id] });
      named = null;
    } else {
      const pair = task === 13 || (task === 12 && rng.uniform() < 0.5);
      const first = pick(rng, ACTORS);
      const actors = pair
        ? [
            first,
            pick(
              rng,
              ACTORS.filter((a) => a !== first),
            ),
          ]
        : [first];
      const id = story.fact(`${actors.map(cap).join(' and ')} ${verb} the ${location}.`);
      for (const actor of actors) at.set(actor, { location, supports: [id] });
      named = { actors, id };
    }
    since += 1;
    if (since < 2) continue;
    const actor = pick(rng, [...at.keys()]);
    const where = at.get(actor) as { location: string; supports: number[] };
    story.ask(`Where is ${cap(actor)}?`, where.location, where.supports);
    since = 0;
  }
  return story.lines;
}
