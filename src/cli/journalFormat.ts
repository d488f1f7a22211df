import type { TriggerEvent } from '../../streams/contracts';
import type { LogSummary } from '../eventLog/logSummary';

/** One record as a line for people: seq, timestamp, source, kind, name, value, id (`-` for none). */
export function formatEventLine(e: TriggerEvent): string {
  return [String(e.seq), e.timestamp, e.source.padEnd(6), e.kind.padEnd(6), e.name, e.value === null ? '-' : String(e.value), `id=${e.id ?? '-'}`].join('  ');
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** `512 B`, `4096 B (4.0 KiB)`: exact, and readable once it is large. */
export function formatBytes(bytes: number): string {
  let size = bytes;
  let unit = -1;
  while (size >= 1024 && unit + 1 < UNITS.length) {
    size /= 1024;
    unit++;
  }
  return unit < 0 ? `${bytes} B` : `${bytes} B (${size.toFixed(1)} ${UNITS[unit]})`;
}

/** A duration for people, in its two largest units: `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** `haven journal stats` for people: one labelled line each, the segments listed under their count. */
export function formatSummary(s: LogSummary): string {
  const label = (name: string, text: string) => `${name.padEnd(11)} ${text}`;
  const point = (p: LogSummary['oldest']) => (p ? `seq ${p.seq}, ${p.timestamp}` : '-');
  const nameWidth = Math.max(0, ...s.segments.map((g) => g.name.length));
  const lines = [
    label('Event log', s.dir),
    label(
      'Segments',
      s.segments.length ? `${s.segments.length}, ${formatBytes(s.bytes)} in all` : 'none yet (the first is written with the first accepted input)',
    ),
    ...s.segments.map((g) => label('', `${g.name.padEnd(nameWidth)}  ${formatBytes(g.bytes)}`)),
    label('Oldest', point(s.oldest)),
    label('Newest', point(s.newest)),
    label(
      'Snapshot',
      s.snapshot
        ? `seq ${s.snapshot.seq}, written ${s.snapshot.writtenAt} (${formatAge(s.snapshot.ageMs)} ago)` +
            (s.newest ? `, ${Math.max(0, s.newest.seq - s.snapshot.seq)} records behind the newest` : '')
        : 'none yet (start-up reads the whole log)',
    ),
  ];
  return lines.join('\n');
}
