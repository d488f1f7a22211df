/**
 * aedes' `authorizePublish` callback for one publish: `null` lets aedes go on (it sends the PUBACK
 * or PUBREC, and forwards the publish); an error makes aedes drop the client's connection (it
 * emits `clientError`, destroys the socket and closes the client, so its will is published),
 * with no acknowledgement sent: MQTT 3.1.1 has no negative one.
 */
export type PublishDone = (err?: Error | null) => void;

interface ClientAnswers {
  /** The last publish still to be answered. */
  tail: Promise<void>;
  open: number;
  /** A QoS 1 or 2 publish was not taken: the connection goes once the publishes before and beside it are answered. */
  dropping: boolean;
  /** The publishes not taken, each answered by dropping the connection with its error. */
  refused: Array<{ readonly err: Error; readonly done: PublishDone }>;
  /** `dropped` was told. */
  told: boolean;
}

export interface PublishAnswers<C extends object> {
  /**
   * Calls `done` once `work` (null: nothing to wait for) and every earlier publish of `client`
   * are answered: with null if the work resolved or the publish is QoS 0 (which has no
   * acknowledgement to keep back), else, once no other publish of the client is still being
   * answered, with the error, which drops the connection: its client sends every publish not
   * acknowledged again when it reconnects.
   */
  answer(client: C, work: Promise<void> | null, qos: number, done: PublishDone): void;
  /** True once a publish of `client` was not taken: its connection is going, so it takes no more QoS 1 and 2 publishes. */
  dropping(client: C): boolean;
  /** The answers not given yet, for a stop to wait on. */
  owed(): Array<Promise<void>>;
  /**
   * From now on a publish not taken is left unacknowledged and its connection kept, until the
   * broker stops: the hub refuses every input while it stops, and a dropped client would only
   * reconnect and send it again into the same refusal.
   */
  hold(): void;
}

const notTaken = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The embedded broker's answers to publishes, per client connection. aedes handles the publishes
 * of one socket read at once, and MQTT wants their acknowledgements in the order they came (a
 * refusal, decided at once, must not overtake an acceptance still waiting for the log). A publish
 * not taken keeps its acknowledgement back for good; the connection is dropped only after the
 * publishes read with it are answered, so that one stored is acknowledged rather than sent again
 * (a second event). `dropped` is told of each connection dropped, with its first error.
 */
export function createPublishAnswers<C extends object>(dropped: (client: C, err: Error, publishes: number) => void): PublishAnswers<C> {
  const clients = new WeakMap<C, ClientAnswers>();
  const owed = new Set<Promise<void>>();
  let holding = false;

  const drop = (client: C, slot: ClientAnswers) => {
    if (holding) return;
    const refused = slot.refused.splice(0);
    if (!slot.told) dropped(client, refused[0].err, refused.length);
    slot.told = true;
    // The PUBACKs just written leave the socket before it goes.
    setImmediate(() => refused.forEach(({ err, done }) => done(err)));
  };

  return {
    answer(client, work, qos, done) {
      const entry = clients.get(client);
      if (work === null && (entry === undefined || entry.open === 0)) return done(null);
      const slot = entry ?? { tail: Promise.resolve(), open: 0, dropping: false, refused: [], told: false };
      clients.set(client, slot);
      slot.open++;
      const outcome = work?.then(
        () => null,
        (err: unknown) => {
          if (qos > 0) slot.dropping = true;
          return notTaken(err);
        },
      );
      const answered = Promise.all([outcome, slot.tail])
        .then(([err]) => {
          if (!err || qos === 0) done(null);
          else slot.refused.push({ err, done });
        })
        .finally(() => {
          if (--slot.open === 0 && slot.refused.length > 0) drop(client, slot);
        });
      slot.tail = answered;
      owed.add(answered);
      void answered.finally(() => owed.delete(answered));
    },
    dropping: (client) => clients.get(client)?.dropping === true,
    owed: () => [...owed],
    hold() {
      holding = true;
    },
  };
}
