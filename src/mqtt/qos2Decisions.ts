/** A QoS 2 packet id's decision: pending, then whether the hub took the publish (and so it was acknowledged). */
type Outcome = Promise<boolean> | boolean;

/**
 * What the embedded broker remembers of the QoS 2 publishes of each client id, so that a
 * retransmission (DUP) is answered and not decided again, but only once its original was taken.
 */
export interface Qos2Decisions {
  /**
   * The work that answers a QoS 2 publish, or null when it is answered without a decision.
   *
   * - A new publish (no DUP, or an id with no decision yet) is decided: `decide()`.
   * - A DUP of a publish the hub took is answered (null): deciding it again would make a second event.
   * - A DUP of a publish still being decided waits for that decision, and is decided anew only if
   *   the original was not taken (nothing was stored, its publisher was not acknowledged).
   * - A DUP of a publish not taken is decided anew.
   *
   * Whatever the case, the outcome of the returned work replaces what the id held.
   */
  answer(clientId: string, messageId: number, dup: boolean, decide: () => Promise<void>): Promise<void> | null;
  /** A clean session ended: its packet ids go with it. */
  forget(clientId: string): void;
}

/**
 * The QoS 2 decisions, per client id then packet id: at most 65,535 ids a client (packet ids are
 * 16-bit), each a boolean once settled, so a settled promise is not kept.
 */
export function createQos2Decisions(): Qos2Decisions {
  const byClient = new Map<string, Map<number, Outcome>>();
  return {
    answer(clientId, messageId, dup, decide) {
      const ids = byClient.get(clientId) ?? new Map<number, Outcome>();
      byClient.set(clientId, ids);
      const prior = dup ? ids.get(messageId) : undefined;
      if (prior === true) return null;
      const work = prior instanceof Promise ? prior.then((taken) => (taken ? undefined : decide())) : decide();
      const outcome = work.then(
        () => true,
        () => false,
      );
      ids.set(messageId, outcome);
      // Unless a later publish of the id (a DUP waiting on this one, a reuse) replaced it meanwhile.
      void outcome.then((taken) => ids.get(messageId) === outcome && ids.set(messageId, taken));
      return work;
    },
    forget: (clientId) => void byClient.delete(clientId),
  };
}
