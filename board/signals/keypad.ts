import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  distinctUntilChanged,
  exhaustMap,
  filter,
  from,
  interval,
  map,
  of,
  scan,
} from "rxjs";

/**
 * Keypad matrix scanning. `readMatrix` drives each column in turn and returns the key(s) down
 * (sync for the simulated board and tests, async over I2C). The scan runs every `scanMs`; a
 * key counts as pressed once `stableScans` consecutive scans agree, which debounces contact
 * bounce (5-20 ms, telephony.md): 5 ms × 3 scans = 15 ms by default.
 */
export interface KeypadScanTiming {
  scanMs: number;
  stableScans: number;
}

export const DEFAULT_KEYPAD_SCAN: KeypadScanTiming = { scanMs: 5, stableScans: 3 };

export type MatrixReading = string | null;

export function scanKeypad(
  readMatrix: () => MatrixReading | Promise<MatrixReading>,
  timing: Partial<KeypadScanTiming> = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<string> {
  const t = { ...DEFAULT_KEYPAD_SCAN, ...timing };
  return interval(t.scanMs, scheduler).pipe(
    // A slow bus skips ticks rather than queueing scans behind each other.
    exhaustMap(() => {
      const r = readMatrix();
      return r instanceof Promise ? from(r) : of(r);
    }),
    debounceKeys(t.stableScans),
  );
}

/**
 * Turns successive readings into key presses: a reading must repeat `stableScans` times to be
 * believed, and a held key is reported once (on press), not on every scan.
 */
export function debounceKeys(stableScans: number) {
  return (source: Observable<MatrixReading>): Observable<string> =>
    source.pipe(
      scan(
        (acc, reading) =>
          reading === acc.candidate ? { candidate: reading, count: acc.count + 1 } : { candidate: reading, count: 1 },
        { candidate: null as MatrixReading, count: 0 },
      ),
      filter((s) => s.count >= stableScans),
      map((s) => s.candidate),
      distinctUntilChanged(),
      filter((k): k is string => k !== null),
    );
}

/**
 * Reads a matrix by driving one column active at a time and reading the rows. With several
 * keys down it reports the first found (row-major): a handset keypad has one finger on it.
 */
export async function readMatrixOnce(
  keys: string[][],
  driveColumn: (col: number, active: boolean) => Promise<void>,
  readRow: (row: number) => Promise<boolean>,
): Promise<MatrixReading> {
  const cols = keys[0]?.length ?? 0;
  let found: MatrixReading = null;
  for (let c = 0; c < cols && found === null; c++) {
    await driveColumn(c, true);
    try {
      for (let r = 0; r < keys.length; r++) {
        if (await readRow(r)) {
          found = keys[r]?.[c] ?? null;
          break;
        }
      }
    } finally {
      await driveColumn(c, false);
    }
  }
  return found;
}
