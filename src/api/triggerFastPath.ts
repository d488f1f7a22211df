import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { INTERNAL_ERROR_BODY } from './errors';
import { bodyRefusal, parseJsonBody } from './jsonBody';
import { refusalReason } from './refusedInputs';
import type { TriggerAnswer, TriggerInput } from './triggerAnswer';
import { describeErrors, invalidBodyMessage } from './validate';
import type { Validator } from '../validation/validators';
import type { EndOfTurn } from '../runtime/turnStages';

export interface TriggerFastPathDeps {
  /** The answer for a valid input: the same function the Koa route uses. */
  readonly answer: (input: TriggerInput, remote: string | undefined) => Promise<TriggerAnswer>;
  /** The compiled `triggerInput.schema.json` validator: the same one the Koa route uses. */
  readonly validate: Validator;
  /** Everything else: the Koa app's callback. */
  readonly fallback: RequestListener;
  readonly log: Logger;
  /** Told why a body was refused before the gateway (the Koa app counts its own the same way). */
  readonly refused?: (reason: string) => void;
  /** When the answers decided in a turn leave (default: its end, `setImmediate`). */
  readonly endOfTurn?: EndOfTurn;
}

/** The one route served here. Anything else, even a variant of it (query, trailing slash), goes to Koa. */
export const FAST_PATH = '/api/trigger-event';

/**
 * `POST /api/trigger-event` on plain node:http, in front of Koa: the busiest route skips the
 * middleware stack (context objects, router) and answers byte for byte what the Koa route
 * answers, because it shares its parts: the body parser itself ({@link parseJsonBody}: the co-body
 * call koa-bodyparser makes), the compiled validator and its messages, the answer
 * ({@link TriggerAnswer}), and the error bodies. Only a plain JSON request is taken (no content
 * encoding, `Content-Type: application/json`); every other request, and every other route, falls
 * through to `fallback` untouched.
 */
export function createTriggerFastPath({
  answer,
  validate,
  fallback,
  log,
  refused = () => undefined,
  endOfTurn = setImmediate,
}: TriggerFastPathDeps): RequestListener {
  // Answers decided in one turn of the event loop leave together at its end. The clients' next
  // requests then arrive together too, and the hub reads many per turn instead of one.
  let outgoing: Array<[ServerResponse, TriggerAnswer]> = [];
  const sendOutgoing = (): void => {
    const batch = outgoing;
    outgoing = [];
    for (const [res, answer] of batch) write(res, answer);
  };
  const respond = (res: ServerResponse, answer: TriggerAnswer): void => {
    if (outgoing.push([res, answer]) === 1) endOfTurn(sendOutgoing);
  };

  const write = (res: ServerResponse, { status, body, headers }: TriggerAnswer): void => {
    const text = JSON.stringify(body);
    // Header names and order as Koa writes them: the answer's own, then type, then length. One
    // flat array to writeHead: no header map is built for a response nobody changes afterwards.
    const raw: Array<string | number> = [];
    if (headers) for (const name of Object.keys(headers)) raw.push(name, headers[name]);
    raw.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', Buffer.byteLength(text));
    res.writeHead(status, raw);
    res.end(text);
  };

  // Promise callbacks rather than an async function: the parse already costs co-body's promises,
  // and an async handler would add its own around each of them.
  const refuse = (res: ServerResponse, err: unknown): void => {
    const { status, message } = bodyRefusal(err);
    refused(refusalReason(status));
    respond(res, { status, body: { error: message } });
  };
  const failed = (res: ServerResponse, err: unknown): void => {
    log.error(`POST ${FAST_PATH} failed`, { error: (err as Error)?.stack ?? String(err) });
    respond(res, { status: 500, body: INTERNAL_ERROR_BODY });
  };
  const take = (req: IncomingMessage, res: ServerResponse, input: unknown): void => {
    if (!validate(input)) {
      const details = describeErrors(validate.errors);
      refused(refusalReason(400));
      return respond(res, { status: 400, body: { error: invalidBodyMessage(details), details } });
    }
    let answered: Promise<TriggerAnswer>;
    try {
      answered = answer(input as TriggerInput, req.socket.remoteAddress);
    } catch (err) {
      return failed(res, err);
    }
    answered.then(
      (a) => respond(res, a),
      (err: unknown) => failed(res, err),
    );
  };

  return (req, res) => {
    if (!isPlainJsonPost(req)) return fallback(req, res);
    parseJsonBody(req).then(
      ({ parsed }) => take(req, res, parsed),
      (err: unknown) => refuse(res, err),
    );
  };
}

function isPlainJsonPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== FAST_PATH) return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const semi = type.indexOf(';');
  return (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() === 'application/json';
}
