/** Request bodies of the WebSocket admin REST, checked by `validateBody` before any handler runs. */

const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
const entityIds = { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 256 } } as const;
const areaIds = { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 100 } } as const;

/** `POST /api/areas` and `PUT /api/areas/:id` (PUT sets the name, and the entities or `isEnabled` only when sent). */
export const areaSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name, entityIds, isEnabled: { type: 'boolean' } },
} as const;

/** `PATCH /api/areas/:id`: any of the fields, at least one. */
export const areaPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name, entityIds, isEnabled: { type: 'boolean' } },
} as const;

/** `PATCH /api/areas/:id/toggle`: flips, or sets `isEnabled` when given. */
export const toggleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { isEnabled: { type: 'boolean' } },
} as const;

/** `POST /api/clients`. */
export const clientSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name, role: { enum: ['client', 'admin'] }, areas: areaIds },
} as const;

/** `PUT /api/clients/:id/areas`. */
export const clientAreasSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['areas'],
  properties: { areas: areaIds },
} as const;

/** `POST /api/pairing`. */
export const pairingSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name, areas: areaIds },
} as const;

/** `POST /api/pairing/complete`. */
export const pairingCompleteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code: { type: 'string', minLength: 4, maxLength: 32 }, name },
} as const;
