#!/usr/bin/env python3
# Usage: scripts/module-cycles.py CRATE_DIR [DEPTH]  (DEPTH 1: top-level modules, children merged in)
# Exits 1 when there is a cycle (scripts/test runs it on the crate, the sandbox and the relay).
# Module-level dependency cycles among a crate's src/ modules (app/ included): a rough reader of
# `crate::`, `super::` and `self::` paths (code and doc links), with the root's re-exports.
import os, re, sys
root = sys.argv[1]
src = os.path.join(root, 'src')
def modpath(f):
    rel = os.path.relpath(f, src)[:-3].split('/')
    if rel[-1] in ('mod', 'lib', 'main'): rel = rel[:-1]
    return rel
mods = {}
for d, _, fs in os.walk(src):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f); m = tuple(modpath(p))
            mods[m] = open(p).read()
reexports = {'Error': ('error',), 'ErrorKind': ('error',), 'Redactor': ('error',), 'catalog': ('types', 'catalog'),
             'ClientConfig': ('config',), 'paths': ('config',), 'DEFAULT_BASE_URL': ('config',),
             'Client': ('client',), 'ChatStream': ('client',), 'GeneratedImage': ('client',), 'CallOptions': ('transport',)}
def resolve(parts):
    # the longest known module prefix of a path
    if parts and parts[0] in reexports and len(parts) >= 1 and tuple(parts[:1]) not in mods:
        return reexports[parts[0]]
    best = None
    for i in range(1, len(parts) + 1):
        if tuple(parts[:i]) in mods: best = tuple(parts[:i])
    return best
DEPTH = int(sys.argv[2]) if len(sys.argv) > 2 else 99
def top(m):
    return m[:DEPTH]
edges = {}
for m, text in mods.items():
    text = re.sub(r'(?s)#\[cfg\(test\)\]\s*mod tests \{.*', '', text)  # test modules don't count
    deps = set()
    for mt in re.finditer(r'\b(crate|super|self)((?:::\{?[A-Za-z_][A-Za-z0-9_]*)+|::\{[^}]*\})', text):
        kind, rest = mt.group(1), mt.group(2)
        if '{' in rest:
            head, _, inner = rest.partition('{')
            heads = [h for h in head.split('::') if h]
            items = [heads + [x.strip().split('::')[0]] for x in inner.split(',') if x.strip()]
        else:
            items = [[h for h in rest.split('::') if h]]
        for parts in items:
            if kind == 'crate': base = []
            elif kind == 'super': base = list(m[:-1]) if not os.path.exists(os.path.join(src, *m, 'mod.rs')) else list(m[:-1])
            else: base = list(m)
            # a file module's `super` is its parent; a mod.rs module's too
            t = resolve(base + parts) if kind != 'crate' else resolve(parts)
            if t and t != m and not (t == m[:len(t)]) and not (m == t[:len(m)]):
                deps.add(t)
    deps = {top(d) for d in deps if top(d) != top(m)}
    edges.setdefault(top(m), set()).update(deps)
    continue
# Tarjan
idx, low, on, st, out, n = {}, {}, set(), [], [], [0]
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(comp)
sys.setrecursionlimit(10000)
for v in list(edges):
    if v not in idx: sc(v)
for c in out:
    print('cycle:', ' , '.join('::'.join(x) for x in c))
    for a in c:
        print('   ', '::'.join(a), '->', [ '::'.join(b) for b in edges[a] if b in c])
print(len(out), 'cycles among', len(mods), 'modules')
sys.exit(1 if out else 0)
