/**
 * ALSA configurations for the sound-device tests (ALSA_CONFIG_PATH): PCMs of alsa-lib's `file`
 * plugin over `null`, so what aplay plays lands in a file alsa-lib writes and what arecord
 * captures is read from an `infile`.
 */

/**
 * `earpiece` writes what it plays to `played`; `quietmic` captures nothing; `microphone`, when
 * given, captures what is written to its `infile` (keeping a copy in `copy`).
 */
export function alsaTestConfig(o: { played: string; microphone?: { infile: string; copy: string } }): string {
  const mic = o.microphone;
  return `pcm.earpiece {
  type file
  slave.pcm { type null }
  file "${o.played}"
  format "raw"
}
pcm.quietmic {
  type null
}
${
  mic
    ? `pcm.microphone {
  type file
  slave.pcm { type null }
  file "${mic.copy}"
  infile "${mic.infile}"
  format "raw"
}
`
    : ""
}`;
}
