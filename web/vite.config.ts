// Vite build of the web app: hashed asset names and no timestamps, so a rebuild of the
// same sources gives the same web/dist (CI compares them), and no inline scripts or
// styles, which the gateway's Content-Security-Policy forbids.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies grpc-web calls to a running `hms up` gateway.
const gateway = process.env.HMS_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The SDK is linked from ../sdk/ts: resolve its protobuf runtime from here, so there
    // is one copy of it (and no need for sdk/ts/node_modules).
    preserveSymlinks: true,
    dedupe: ["@bufbuild/protobuf", "@connectrpc/connect"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Never inline assets as data: URLs into scripts; plain files are simpler to serve.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/hms.": { target: gateway, changeOrigin: false },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    // Through Vite, so the linked SDK finds its protobuf runtime here as in the build.
    server: { deps: { inline: [/@hms\/sdk/, /sdk\/ts\/gen/] } },
  },
});
