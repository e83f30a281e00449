/**
 * Level conversions between dBm0 (the telephone network's reference) and linear 16-bit samples.
 *
 * G.711 §3 puts the codec's maximum (a full-scale sine) at +3.17 dBm0 for µ-law (+3.14 dBm0 for
 * A-law). We use 3.17 for both: a sine at 0 dBm0 has a peak 3.17 dB below 16-bit full scale,
 * 32767 × 10^(−3.17/20) ≈ 22 748.
 */
export const FULL_SCALE_DBM0 = 3.17;
export const FULL_SCALE = 32767;

/** Peak amplitude of a sine at `dbm0`. */
export function dbm0ToAmplitude(dbm0: number): number {
  return FULL_SCALE * 10 ** ((dbm0 - FULL_SCALE_DBM0) / 20);
}

/** Level in dBm0 of a sine whose peak is `amplitude`. */
export function amplitudeToDbm0(amplitude: number): number {
  return 20 * Math.log10(amplitude / FULL_SCALE) + FULL_SCALE_DBM0;
}

/** Level in dBm0 of a signal by its RMS (a sine's RMS is its peak / √2). */
export function rmsToDbm0(rms: number): number {
  return amplitudeToDbm0(rms * Math.SQRT2);
}

export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}
