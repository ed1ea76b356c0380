# workerd's configuration for the consumer test: the bundled worker (esbuild with the
# conditions Wrangler uses) and the package's wasm as a `wasm` module, as Wrangler uploads
# them; outbound requests may reach loopback, where the sandbox listens. The test passes the
# address with --socket-addr http=127.0.0.1:PORT.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "minitoolai_bg.wasm", wasm = embed "../node_modules/minitoolai/minitoolai_bg.wasm"),
    (name = "minitoolai_sse_bg.wasm", wasm = embed "../node_modules/minitoolai/minitoolai_sse_bg.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
