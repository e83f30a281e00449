/**
 * The small interfaces the rest of the firmware sees. Every backend (onoff sysfs, kernel input
 * events, MCP23017 pins, leds-gpio, the simulated board) implements these and nothing more.
 * Levels are logical: `true` means active (off-hook, key down, kill engaged, relay closed,
 * LED lit); a backend applies `activeLow` itself.
 */
export interface DigitalInput {
  readonly name: string;
  /** Current logical level. */
  read(): Promise<boolean>;
  /** Calls `listener` on every change with the new level; returns the unsubscribe function. */
  watch(listener: (active: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface DigitalOutput {
  readonly name: string;
  write(active: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface Led {
  readonly name: string;
  set(on: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface Watchdog {
  /** Tells the hardware we are alive. */
  kick(): Promise<void>;
  /** Stops kicking; `disarm` writes the magic 'V' first so the timer stops instead of resetting. */
  close(disarm: boolean): Promise<void>;
}

/** The lowest I2C layer: byte register access, shaped like `i2c-bus`'s promisified bus. */
export interface I2cBus {
  readByte(address: number, register: number): Promise<number>;
  writeByte(address: number, register: number, value: number): Promise<void>;
  close(): Promise<void>;
}

/** A device node or sysfs file the description names is not there (or not permitted). */
export class DeviceUnavailableError extends Error {
  override readonly name = "DeviceUnavailableError";
  readonly code = "DEVICE_UNAVAILABLE";
  readonly device: string;
  readonly osCode: string | undefined;
  constructor(device: string, why: string, cause?: unknown) {
    super(`${device}: ${why}`, { cause });
    this.device = device;
    this.osCode = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Words for the usual errno values, so the log says what to check on the board. */
export function explainOsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "device absent (check the device tree / kernel config)";
    case "EACCES":
    case "EPERM":
      return "permission denied (run as the firmware user with access to the device)";
    case "EBUSY":
      return "device busy (claimed by another driver or process)";
    case "ENXIO":
    case "EREMOTEIO":
      return "no answer on the bus (wiring or address)";
    default:
      return code ? `${code}: ${(err as Error).message}` : String(err);
  }
}
