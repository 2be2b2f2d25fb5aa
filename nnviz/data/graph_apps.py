"""Generated data for the GNN applications page: a family knowledge graph and traffic on a road grid.

kg = family_graph(families=4, generations=3, seed=0)   # people, typed triples (head, relation, tail)
road = road_grid(6, 6)                                   # grid positions and undirected road segments
c = congestion(road.n, road.edges, injections, delay=2)  # (T, N) jam level that travels along roads
t = traffic(rows=6, cols=6, steps=700, seed=0)           # speeds (T, N) in km/h, congestion, time of day
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Relations in the family graph; INVERSE pairs each with the relation that reads it backwards.
RELATIONS = (
    "parent of",
    "child of",
    "spouse of",
    "sibling of",
    "grandparent of",
    "grandchild of",
    "uncle/aunt of",
    "nephew/niece of",
    "cousin of",
)
INVERSE = (1, 0, 2, 3, 5, 4, 7, 6, 8)


@dataclass(frozen=True)
class FamilyGraph:
    triples: np.ndarray  # (M, 3) int64 rows (head, relation, tail), each fact once
    family: np.ndarray  # (N,) which family tree a person belongs to
    generation: np.ndarray  # (N,) 0 = founders
    married_in: np.ndarray  # (N,) bool: joined the family by marriage
    pos: np.ndarray  # (N, 2) tree layout: x across, y = -generation

    @property
    def n(self) -> int:
        return len(self.family)

    def names(self) -> list[str]:
        return [f"person {i} (family {f}, gen {g}{', married in' if m else ''})"
                for i, (f, g, m) in enumerate(zip(self.family, self.generation, self.married_in))]  # fmt: skip

    def pair_key(self) -> np.ndarray:
        """(M,) one id per fact and its inverse (parent of a->b is child of b->a): held out together."""
        h, r, t = self.triples.T
        rel = np.minimum(r, np.asarray(INVERSE)[r])
        fwd = r <= np.asarray(INVERSE)[r]
        a, b = np.where(fwd, h, t), np.where(fwd, t, h)
        sym = r == np.asarray(INVERSE)[r]
        a, b = np.where(sym, np.minimum(h, t), a), np.where(sym, np.maximum(h, t), b)
        key = (rel * self.n + a) * self.n + b
        return np.unique(key, return_inverse=True)[1]


def family_graph(families: int = 4, generations: int = 3, max_children: int = 3, seed: int = 0) -> FamilyGraph:
    """Family trees: a founding couple, 2..max_children children per couple, most children marry someone
    from outside and have children of their own. Relations follow from parents and spouses."""
    rng = np.random.default_rng(seed)
    family, gen, married_in, parents, spouse = [], [], [], [], {}

    def person(f, g, outside, ps=()):
        family.append(f), gen.append(g), married_in.append(outside), parents.append(tuple(ps))
        return len(family) - 1

    for f in range(families):
        a, b = person(f, 0, False), person(f, 0, True)
        spouse[a], spouse[b] = b, a
        couples = [(a, b)]
        for g in range(1, generations):
            nxt = []
            for x, y in couples:
                for _ in range(int(rng.integers(2, max(2, max_children) + 1))):
                    c = person(f, g, False, (x, y))
                    if g < generations - 1 and rng.random() < 0.8:
                        s = person(f, g, True)
                        spouse[c], spouse[s] = s, c
                        nxt.append((c, s))
            couples = nxt
    n = len(family)
    children = [[] for _ in range(n)]
    for c, ps in enumerate(parents):
        for p in ps:
            children[p].append(c)
    facts = set()
    for c, ps in enumerate(parents):
        for p in ps:
            facts |= {(p, 0, c), (c, 1, p)}
            for gp in parents[p]:
                facts |= {(gp, 4, c), (c, 5, gp)}
            for sib in children[p]:
                if sib != c:
                    facts.add((c, 3, sib))
                    for child in children[sib]:  # c is a blood uncle/aunt of sib's children
                        facts |= {(c, 6, child), (child, 7, c)}
                    for cousin in children[sib]:
                        for mine in children[c]:
                            facts |= {(mine, 8, cousin), (cousin, 8, mine)}
    for a, b in spouse.items():
        facts.add((a, 2, b))
    triples = np.array(sorted(facts), dtype=np.int64).reshape(-1, 3)
    return FamilyGraph(triples, np.array(family), np.array(gen), np.array(married_in, bool), _tree_layout(np.array(family), np.array(gen)))


def _tree_layout(family: np.ndarray, gen: np.ndarray) -> np.ndarray:
    """Families side by side; inside one, each generation is a row in birth order (spouses next to partners)."""
    pos = np.zeros((len(family), 2))
    x0 = 0.0
    for f in np.unique(family):
        width = max(np.sum((family == f) & (gen == g)) for g in np.unique(gen))
        for g in np.unique(gen):
            idx = np.flatnonzero((family == f) & (gen == g))
            pos[idx, 0] = x0 + (np.arange(len(idx)) - (len(idx) - 1) / 2) * (width / max(len(idx), 1)) + width / 2
            pos[idx, 1] = -g
        x0 += width + 1.5
    return pos


# ----------------------------------------------------------------------------- traffic


@dataclass(frozen=True)
class RoadGrid:
    rows: int
    cols: int
    edges: np.ndarray  # (E, 2) road segments between neighbouring intersections
    pos: np.ndarray  # (N, 2) x = column, y = -row (km)

    @property
    def n(self) -> int:
        return self.rows * self.cols

    def edge_index(self) -> np.ndarray:
        return np.concatenate([self.edges.T, self.edges[:, ::-1].T], axis=1).astype(np.int64)


def road_grid(rows: int = 6, cols: int = 6) -> RoadGrid:
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = np.concatenate([np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1), np.stack([idx[:-1].ravel(), idx[1:].ravel()], 1)])
    r, c = np.divmod(np.arange(rows * cols), cols)
    return RoadGrid(rows, cols, edges.astype(np.int64), np.stack([c, -r], 1).astype(float))


def congestion(
    n: int, edges: np.ndarray, injections: np.ndarray, delay: int = 2, hop_decay: float = 0.85, self_decay: float = 0.8
) -> np.ndarray:
    """(T, N) jam level in [0, 1]. A jam injected at a node reaches each neighbour `delay` steps later,
    weakened by hop_decay, and fades where it is by self_decay per step:
        c[t, v] = max(inj[t, v], self_decay * c[t-1, v], hop_decay * max_{u ~ v} c[t-delay, u])
    so a wave is felt k hops away exactly k * delay steps after it starts, and never earlier."""
    steps = len(injections)
    nbrs = [[] for _ in range(n)]
    for a, b in edges:
        nbrs[a].append(b), nbrs[b].append(a)
    c = np.zeros((steps, n))
    for t in range(steps):
        prev = c[t - 1] if t else np.zeros(n)
        far = c[t - delay] if t >= delay else np.zeros(n)
        spread = np.array([max((far[u] for u in nbrs[v]), default=0.0) for v in range(n)])
        c[t] = np.maximum.reduce([injections[t], self_decay * prev, hop_decay * spread])
    return c


@dataclass(frozen=True)
class Traffic:
    road: RoadGrid
    speed: np.ndarray  # (T, N) km/h
    jam: np.ndarray  # (T, N) congestion level in [0, 1]
    phase: np.ndarray  # (T,) time of day in [0, 1)
    minutes: int  # minutes per step


def traffic(rows: int = 6, cols: int = 6, steps: int = 700, jams_per_day: float = 12.0, delay: int = 2, noise: float = 2.0,
            day: int = 96, seed: int = 0) -> Traffic:  # fmt: skip
    """Speeds on a road grid, one reading every 15 minutes (96 a day): free flow 60 km/h, slower at the two
    rush hours, and congestion waves (a jam starts at a random intersection and travels along the roads,
    `delay` steps per hop) that cut speed by up to 70%, plus sensor noise."""
    rng = np.random.default_rng(seed)
    road = road_grid(rows, cols)
    inj = np.zeros((steps, road.n))
    count = rng.poisson(jams_per_day * steps / day)
    inj[rng.integers(0, steps, count), rng.integers(0, road.n, count)] = rng.uniform(0.6, 1.0, count)
    jam = congestion(road.n, road.edges, inj, delay=delay)
    phase = (np.arange(steps) % day) / day
    rush = np.exp(-(((phase - 0.33) / 0.05) ** 2)) + np.exp(-(((phase - 0.72) / 0.06) ** 2))  # 8:00 and 17:15
    speed = 60.0 * (1 - 0.25 * rush)[:, None] * (1 - 0.7 * jam) + noise * rng.standard_normal((steps, road.n))
    return Traffic(road, speed, jam, phase, 24 * 60 // day)
