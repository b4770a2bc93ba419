import type { Sfc32 } from '../../../core/index.js';

/** The simulator's entities (the names of facebookarchive/bAbI-tasks' default world). */
export const ACTORS = ['john', 'mary', 'sandra', 'daniel'] as const;
export const LOCATIONS = ['bathroom', 'bedroom', 'garden', 'hallway', 'kitchen', 'office'] as const;
export const OBJECTS = ['apple', 'football', 'milk'] as const;
const MOVE_VERBS = ['moved to', 'went to', 'journeyed to', 'travelled to', 'went back to'];
const GET_VERBS = ['picked up', 'got', 'grabbed', 'took'];
const DROP_VERBS = ['dropped', 'discarded', 'put down', 'left'];

export function pick<T>(rng: Sfc32, items: readonly T[]): T {
  return items[rng.below(items.length)] as T;
}

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * The lines of one story in the released format, with line ids: `fact` tells a statement, `ask`
 * a question with its answer and supporting ids.
 */
export class StoryWriter {
  readonly lines: string[] = [];
  questions = 0;

  fact(text: string): number {
    this.lines.push(`${this.lines.length + 1} ${text}`);
    return this.lines.length;
  }

  ask(question: string, answer: string, supports: readonly number[]): void {
    const ids = [...new Set(supports)].sort((a, b) => a - b);
    this.lines.push(`${this.lines.length + 1} ${question}\t${answer}\t${ids.join(' ')}`);
    this.questions += 1;
  }
}

/** Where an object was, and the statements that tell it (bAbI task 3's history). */
export interface Whereabouts {
  readonly location: string;
  readonly supports: readonly number[];
}

/**
 * The world state of the simulator, as far as the story told it: actors teleport between
 * locations (`move`), pick objects up where they stand (`get`) and put them down (`drop`). Each
 * action checks its preconditions (an actor gets only what lies where it stands and drops only
 * what it holds), and records the statement ids that make
 * the current state known, so questions come with their supporting facts.
 */
export class World {
  readonly story = new StoryWriter();
  /** Stated location of each actor and the id of the move that stated it. */
  readonly actorAt = new Map<string, { location: string; id: number }>();
  /** True location of every object (unstated until an actor picks it up). */
  readonly objectAt = new Map<string, string>();
  readonly holder = new Map<string, string>();
  /** The id of the statement in which the current holder got the object. */
  readonly gotId = new Map<string, number>();
  /** Where the story last placed each object (only once it was picked up), and why. */
  readonly known = new Map<string, Whereabouts>();
  /** The locations the story told each object to be in, a new entry at each change. */
  readonly history = new Map<string, Whereabouts[]>();
  /** Objects each actor carries, in the order got. */
  readonly carrying = new Map<string, string[]>();
  /** The ids of statements about an actor's objects (gets and drops). */
  readonly handled = new Map<string, number[]>();

  constructor(readonly rng: Sfc32) {
    for (const object of OBJECTS) this.objectAt.set(object, pick(rng, LOCATIONS));
    for (const actor of ACTORS) {
      this.carrying.set(actor, []);
      this.handled.set(actor, []);
    }
  }

  move(actor: string): number {
    const from = this.actorAt.get(actor)?.location;
    const to = pick(
      this.rng,
      LOCATIONS.filter((l) => l !== from),
    );
    const id = this.story.fact(`${title(actor)} ${pick(this.rng, MOVE_VERBS)} the ${to}.`);
    this.actorAt.set(actor, { location: to, id });
    for (const object of this.carrying.get(actor) ?? []) {
      this.objectAt.set(object, to);
      this.#record(object, { location: to, supports: [this.gotId.get(object) ?? id, id] });
    }
    return id;
  }

  /** Objects lying where `actor` stands (none if the story has not placed the actor). */
  reachable(actor: string): string[] {
    const at = this.actorAt.get(actor)?.location;
    return OBJECTS.filter((o) => at !== undefined && !this.holder.has(o) && this.objectAt.get(o) === at);
  }

  get(actor: string, object: string): number {
    const at = this.actorAt.get(actor);
    if (at === undefined || !this.reachable(actor).includes(object))
      throw new Error(`${actor} cannot get ${object}`);
    const id = this.story.fact(`${title(actor)} ${pick(this.rng, GET_VERBS)} the ${object}.`);
    this.holder.set(object, actor);
    this.gotId.set(object, id);
    this.carrying.get(actor)?.push(object);
    this.handled.get(actor)?.push(id);
    this.#record(object, { location: at.location, supports: [at.id, id] });
    return id;
  }

  drop(actor: string, object: string): number {
    if (this.holder.get(object) !== actor) throw new Error(`${actor} does not hold ${object}`);
    const id = this.story.fact(`${title(actor)} ${pick(this.rng, DROP_VERBS)} the ${object}.`);
    this.holder.delete(object);
    this.carrying.set(
      actor,
      (this.carrying.get(actor) ?? []).filter((o) => o !== object),
    );
    this.handled.get(actor)?.push(id);
    const at = this.actorAt.get(actor);
    if (at !== undefined) this.known.set(object, { location: at.location, supports: [at.id, id] });
    return id;
  }

  /** One random action of the simulator: move, or get / drop when the world allows it. */
  act(withObjects: boolean): void {
    const actor = pick(this.rng, ACTORS);
    if (withObjects && this.actorAt.has(actor)) {
      const held = this.carrying.get(actor) ?? [];
      if (held.length > 0 && this.rng.uniform() < 0.25) {
        this.drop(actor, pick(this.rng, held));
        return;
      }
      const reachable = this.reachable(actor);
      if (reachable.length > 0 && this.rng.uniform() < 0.6) {
        this.get(actor, pick(this.rng, reachable));
        return;
      }
    }
    this.move(actor);
  }

  #record(object: string, where: Whereabouts): void {
    this.known.set(object, where);
    const list = this.history.get(object);
    if (list === undefined) this.history.set(object, [where]);
    else if (list.at(-1)?.location !== where.location) list.push(where);
  }
}
