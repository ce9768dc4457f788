// A fake StudioApi for store tests: handlers per method (others reject), recorded calls, and events emitted
// by the test to the subscribed listeners.
import type { ApiEvents, EventName, MethodName } from '../../../backend/api/contract.js';
import type { StudioApi } from '../../../renderer/src/lib/api-client.js';

export type FakeApi = StudioApi & {
  calls: Array<{ method: MethodName; input: unknown }>;
  emit<E extends EventName>(name: E, data: ApiEvents[E]): void;
  listeners(): number;
};

export function fakeApi(handlers: Partial<Record<MethodName, (input: any) => Promise<unknown>>>): FakeApi {
  const calls: FakeApi['calls'] = [];
  const subs = new Set<{ name: EventName; f: (d: any, seq: number) => void }>();
  let seq = 0;
  return {
    calls,
    call: ((method: MethodName, input?: unknown) => {
      calls.push({ method, input });
      const h = handlers[method];
      return h ? h(input) : Promise.reject(new Error(`fake API: no handler for ${method}`));
    }) as StudioApi['call'],
    on: ((name: EventName, f: (d: any, seq: number) => void) => {
      const sub = { name, f };
      subs.add(sub);
      return () => subs.delete(sub);
    }) as StudioApi['on'],
    close() {},
    emit(name, data) {
      seq++;
      for (const s of [...subs]) if (s.name === name) s.f(data, seq);
    },
    listeners: () => subs.size,
  };
}
