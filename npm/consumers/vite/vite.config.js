// The project as `npm create vite` leaves it, nothing about wasm; `base: "./"` only because the
// test serves it under /vite/.
import { defineConfig } from "vite";

export default defineConfig({ root: import.meta.dirname, base: "./", logLevel: "warn", build: { outDir: "dist", emptyOutDir: true } });
