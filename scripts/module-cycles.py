#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a circle.

For each crate under crates/ (and src-tauri/), every top-level module (src/NAME.rs or
src/NAME/) is a node, and a file of module A that names `crate::B` (in a `use` or a path)
is an edge A -> B. A strongly connected set of more than one module is a circle: a
reader cannot understand one without the other, and neither can be moved out alone.
Tests (`#[cfg(test)]` files named *tests.rs or under tests/) are left out: a test may see
everything. Prints each circle with one file:line per edge, exits 1 if there is any.

    scripts/module-cycles.py            every crate
    scripts/module-cycles.py crates/pixbench-core
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH_RE = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
# `use crate::{a, b::c}` names several modules at once.
GROUP_RE = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def top_module(src: Path, f: Path):
    rel = f.relative_to(src)
    if len(rel.parts) == 1:
        name = rel.stem
        return None if name in ("lib", "main") else name
    return rel.parts[0]


def is_test_file(f: Path) -> bool:
    return f.name == "tests.rs" or f.name.endswith("_tests.rs") or "tests" in f.parts[:-1]


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def edges_of(crate: Path):
    src = crate / "src"
    edges = {}
    for f in sorted(src.rglob("*.rs")):
        if is_test_file(f.relative_to(crate)):
            continue
        a = top_module(src, f)
        if a is None:
            continue
        text = strip_comments(f.read_text(encoding="utf-8"))
        # A `mod tests { ... }` at the end of a file is test code too.
        cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
        if cut:
            text = text[: cut.start()]
        lines = text.splitlines()
        for no, line in enumerate(lines, 1):
            names = PATH_RE.findall(line)
            for g in GROUP_RE.findall(line):
                names += [p.strip().split("::")[0] for p in g.split(",") if p.strip()]
            for b in names:
                if b != a and ((src / f"{b}.rs").exists() or (src / b).is_dir()):
                    edges.setdefault((a, b), f"{f.relative_to(ROOT)}:{no}")
    return edges


def circles(edges):
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(argv):
    crates = [ROOT / a for a in argv] or sorted(p for p in (ROOT / "crates").iterdir() if (p / "src").is_dir()) + [
        ROOT / "src-tauri"
    ]
    bad = 0
    for crate in crates:
        edges = edges_of(crate)
        for comp in circles(edges):
            bad += 1
            print(f"{crate.relative_to(ROOT)}: modules import each other in a circle: {', '.join(comp)}")
            for (a, b), where in sorted(edges.items()):
                if a in comp and b in comp:
                    print(f"  {a} -> {b}   ({where})")
    if bad:
        print(f"module-cycles: {bad} circle(s); move the shared part into a module both can import")
        return 1
    print(f"module-cycles: no circles in {len(crates)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
