/**
 * Password storage: Argon2id (RFC 9106), the spec's "Storage: encrypted passwords" read as
 * the modern equivalent, a memory-hard one-way hash.
 */
import { hash, verify } from "@node-rs/argon2";

export interface HashCost {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet's Argon2id minimum: m=19 MiB, t=2, p=1. */
export const defaultHashCost: HashCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(stored: string, password: string): Promise<boolean>;
}

/** @node-rs/argon2 hashes with Argon2id unless told otherwise; the PHC string says `$argon2id$`. */
export function argon2idHasher(cost: HashCost = defaultHashCost): PasswordHasher {
  return {
    hash: (password) => hash(password, { ...cost }),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
  };
}
