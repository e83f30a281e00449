import { useRef } from "preact/hooks";
import { t } from "../i18n/i18n.ts";

/** Seconds the rewind and fast-forward buttons move. */
const skipSec = 10;

/**
 * One recording's player. Recording: "playback functions ... fast forward, rewind, play, pause,
 * and stop". Several can play at once (each is its own audio element).
 */
export function RecordingPlayer(props: { id: string; title: string; canDownload: boolean; onClose: () => void }) {
  const audio = useRef<HTMLAudioElement>(null);
  const a = () => audio.current;
  const base = `/api/recordings/${encodeURIComponent(props.id)}`;
  return (
    <fieldset class="panel player" aria-label={`${t("recording")} ${props.title}`} data-testid="player">
      <legend>{props.title}</legend>
      {/* biome-ignore lint/a11y/useMediaCaption: call recordings have no transcript to caption them with. */}
      <audio ref={audio} src={`${base}/audio`} preload="metadata" />
      <div class="toolbar">
        <button type="button" onClick={() => void a()?.play()}>
          {t("play")}
        </button>
        <button type="button" class="secondary" onClick={() => a()?.pause()}>
          {t("pause")}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            const el = a();
            if (!el) return;
            el.pause();
            el.currentTime = 0;
          }}
        >
          {t("stop")}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            const el = a();
            if (el) el.currentTime = Math.max(0, el.currentTime - skipSec);
          }}
        >
          {t("rewind")}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            const el = a();
            if (el) el.currentTime = Math.min(el.duration || 0, el.currentTime + skipSec);
          }}
        >
          {t("fastForward")}
        </button>
        {props.canDownload && (
          <>
            <a href={`${base}/download`} download>
              {t("download")}
            </a>
            <a href={`${base}/seal`} download>
              {t("signature")}
            </a>
          </>
        )}
        <button type="button" class="secondary" onClick={props.onClose} aria-label={t("close")}>
          ×
        </button>
      </div>
    </fieldset>
  );
}
