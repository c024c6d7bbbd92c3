/**
 * A document type's decider (Chassaing's pattern, as in Emmett): the state before its first
 * event, `decide` (command + state → new events, or a thrown rejection) and `evolve`
 * (state + event → state). All pure. `evolve` takes any event and ignores the types it does not
 * handle: a document's stream also holds its ownership and, soon, delivery and hold events.
 */
import type { CoexistEvent, StoredEvent } from './events/registry.js';
import { upcast } from './events/upcast.js';

export interface Decider<State, Command, Event extends CoexistEvent> {
  initialState: () => State;
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: CoexistEvent) => State;
}

/** The state after the events, each upcast to its current shape; unknown types are skipped. */
export const fold = <State>(
  decider: Pick<Decider<State, never, CoexistEvent>, 'initialState' | 'evolve'>,
  events: readonly StoredEvent[],
): State => {
  let state = decider.initialState();
  for (const stored of events) {
    const event = upcast(stored);
    if (event) state = decider.evolve(state, event);
  }
  return state;
};
