/** Builds the admin UI into web/dist, which the controller serves. */
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export const webConfig = defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [preact()],
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // One small app: a single chunk loads faster from the controller than many.
    chunkSizeWarningLimit: 1024,
  },
});

// biome-ignore lint/style/noDefaultExport: vite reads its configuration from the default export.
export default webConfig;
