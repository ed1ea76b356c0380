// Injected before any page script: records long tasks and animation frame times.
window.__bench = { longTasks: [], frames: [], measuring: false };
new PerformanceObserver((list) => {
  if (!window.__bench.measuring) return;
  for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: "longtask", buffered: false });
const tick = (t) => {
  if (window.__bench.measuring) window.__bench.frames.push(t);
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
