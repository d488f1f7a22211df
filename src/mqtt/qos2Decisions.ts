/**
 * What the embedded broker knows of the QoS 2 publishes of each client id, so that a resend is
 * answered and not decided again. MQTT forbids reusing a packet id before its exchange ends
 * (PUBREL), so a publish whose id is still in use is a resend, whatever its DUP flag says
 * (mqtt.js never sets it). An id is in use while its decision is pending (known here), and once
 * taken until the client's PUBREL (aedes' incoming store holds the packet until then).
 */
export interface Qos2Decisions {
  /**
   * The work that answers a QoS 2 publish:
   * - its id has a decision pending: wait for it; answered if the hub took it, decided anew if not
   *   (nothing was stored, its publisher was not acknowledged);
   * - else its id was taken and not yet released (`heldByBroker`): answered, not decided again;
   * - else: a new publish, decided.
   */
  answer(clientId: string, messageId: number, heldByBroker: () => Promise<boolean>, decide: () => Promise<void>): Promise<void>;
}

/** The pending decisions, per client id then packet id: each goes once settled, so nothing outlives its exchange here. */
export function createQos2Decisions(): Qos2Decisions {
  const pending = new Map<string, Map<number, Promise<boolean>>>();
  return {
    answer(clientId, messageId, heldByBroker, decide) {
      const ids = pending.get(clientId) ?? new Map<number, Promise<boolean>>();
      pending.set(clientId, ids);
      const prior = ids.get(messageId);
      const work = prior !== undefined ? prior.then((taken) => (taken ? undefined : decide())) : heldByBroker().then((held) => (held ? undefined : decide()));
      const outcome = work.then(
        () => true,
        () => false,
      );
      ids.set(messageId, outcome);
      // Settled, the broker's store says whether the id is in use, once aedes has stored a publish
      // it was let through: a turn later (a resend waiting on this one, or a later publish of the
      // id, may have replaced the entry meanwhile).
      void outcome.then(() =>
        setImmediate(() => {
          if (ids.get(messageId) !== outcome) return;
          ids.delete(messageId);
          if (ids.size === 0 && pending.get(clientId) === ids) pending.delete(clientId);
        }),
      );
      return work;
    },
  };
}
