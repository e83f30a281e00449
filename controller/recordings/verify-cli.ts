/**
 * Checks recordings against their seals with the controller's public key alone:
 *
 *   npx tsx controller/recordings/verify-cli.ts --key recording-seal.pub call.wav [more.wav ...]
 *
 * Each recording's seal is read from `<recording>.seal.json` unless `--seal FILE` is given
 * (one recording only). `--statement` prints the exact signed text, for checking with OpenSSL.
 * Exit status: 0 all valid, 1 any recording failed, 2 usage or unreadable input.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readSeal, sealPath, sealStatement, verifyRecording } from "./integrity.ts";
import { keyIdOf, publicKeyFromPem } from "./signing-key.ts";

const USAGE = "usage: verify-cli --key PUBLIC.pem [--seal SEAL.json] [--statement] [--json] RECORDING.wav ...";

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    out(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (!values.key || positionals.length === 0 || (values.seal && positionals.length > 1)) {
    out(USAGE);
    return 2;
  }
  let publicKey: ReturnType<typeof publicKeyFromPem>;
  try {
    publicKey = publicKeyFromPem(readFileSync(values.key, "utf8"));
  } catch (err) {
    out(`cannot read public key ${values.key}: ${(err as Error).message}`);
    return 2;
  }
  if (!values.json) out(`key ${keyIdOf(publicKey)}`);
  let failed = false;
  for (const recording of positionals) {
    const sealFile = values.seal ?? sealPath(recording);
    try {
      const seal = await readSeal(sealFile);
      if (values.statement) {
        const { signature: _signature, ...unsigned } = seal;
        out(sealStatement(unsigned).trimEnd());
      }
      const result = await verifyRecording(recording, seal, publicKey);
      if (!result.valid) failed = true;
      if (values.json) {
        out(JSON.stringify({ recording, seal: sealFile, ...result, callId: seal.callId, status: seal.status }));
      } else {
        const verdict = result.valid ? "VALID" : `INVALID (${result.problems.join(", ")})`;
        out(`${verdict}  ${recording}  call ${seal.callId}, ${seal.status}, ${seal.startedAt} .. ${seal.endedAt}`);
      }
    } catch (err) {
      failed = true;
      out(`ERROR  ${recording}: ${(err as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: "string" },
      seal: { type: "string" },
      statement: { type: "boolean" },
      json: { type: "boolean" },
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
