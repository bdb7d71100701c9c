// The console (index.html) and GraphiQL (graphiql.html) are two pages of one build, served by
// knitgraph from console/dist: every file under /assets carries a content hash in its name.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";

export default defineConfig({
  // Every asset also as name.gz, which knitgraph sends to browsers that accept gzip: about a
  // third of the bytes (ELK's worker: 1.4 MB, 0.44 MB gzipped), with no compressing per request.
  plugins: [react(), compression({ algorithms: ["gzip"], include: /\.(js|css|html|svg|json|ttf)$/, threshold: 1024, logLevel: "silent" })],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { console: "index.html", graphiql: "graphiql.html" },
      // GraphiQL's React-compiler directives are harmless once bundled; the build says so for each file.
      onLog(level, log, report) {
        if (log.code !== "MODULE_LEVEL_DIRECTIVE") report(level, log);
      },
    },
  },
  worker: { format: "es" },
  server: {
    // `npm run dev` against a local knitgraph: the API answers on the same origin through the proxy.
    proxy: { "/graphql": "http://127.0.0.1:8080", "/api": "http://127.0.0.1:8080" },
  },
});
