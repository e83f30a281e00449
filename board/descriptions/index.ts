import { bank8 } from "./bank-8.ts";
import { qemuVirt } from "./qemu-virt.ts";
import { sim } from "./sim.ts";
import type { BoardDescription } from "./types.ts";

export const boardDescriptions: Readonly<Record<string, BoardDescription>> = {
  "bank-8": bank8,
  "qemu-virt": qemuVirt,
  sim,
};

export function describeBoard(name: string): BoardDescription {
  const d = boardDescriptions[name];
  if (!d) throw new Error(`unknown board "${name}" (known: ${Object.keys(boardDescriptions).join(", ")})`);
  return d;
}
