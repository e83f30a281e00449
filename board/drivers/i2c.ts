import { DeviceUnavailableError, type I2cBus, explainOsError } from "./interfaces.ts";

/** The part of `i2c-bus`'s promisified API we use (the package ships no types). */
interface PromisifiedBus {
  readByte(address: number, command: number): Promise<number>;
  writeByte(address: number, command: number, byte: number): Promise<void>;
  close(): Promise<void>;
}
interface I2cBusModule {
  openPromisified(busNumber: number): Promise<PromisifiedBus>;
}

/**
 * Opens `/dev/i2c-<n>` through the optional `i2c-bus` package (i2c-dev is the kernel's current
 * interface; it is not deprecated). Imported only when a description names an expander.
 */
export async function openI2cBus(busNumber: number): Promise<I2cBus> {
  let mod: I2cBusModule;
  try {
    const imported = (await import("i2c-bus" as string)) as { default?: I2cBusModule } & I2cBusModule;
    mod = imported.default ?? imported;
  } catch (err) {
    throw new DeviceUnavailableError("i2c-bus", "the optional package i2c-bus is not installed", err);
  }
  const device = `/dev/i2c-${busNumber}`;
  let bus: PromisifiedBus;
  try {
    bus = await mod.openPromisified(busNumber);
  } catch (err) {
    throw new DeviceUnavailableError(device, `I2C bus ${explainOsError(err)}`, err);
  }
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new DeviceUnavailableError(device, `${what}: ${explainOsError(err)}`, err);
    }
  };
  return {
    readByte: (a, r) => wrap(`read 0x${a.toString(16)}/0x${r.toString(16)}`, () => bus.readByte(a, r)),
    writeByte: (a, r, v) => wrap(`write 0x${a.toString(16)}/0x${r.toString(16)}`, () => bus.writeByte(a, r, v)),
    close: () => bus.close(),
  };
}
