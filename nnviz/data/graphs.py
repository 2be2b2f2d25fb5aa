"""Small graphs that ship with networkx / PyG, plus a seeded stochastic block model.

One signature for all (TF Playground's dataset.ts): graph(name, seed=..., **sbm sliders) returns a
GraphData: undirected edges, node labels for classification, names for hover text and a fixed
2-D layout for drawing. No downloads: every graph is built in or generated.

    g = graph("karate")
    g.edge_index()          # (2, 2E) int64, both directions, what PyG layers take
    g.split(per_class=2)    # boolean mask of the labelled (training) nodes
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import networkx as nx
import numpy as np

GRAPHS = ("karate", "karate4", "les_miserables", "florentine", "davis", "sbm")
SPECTRAL_GRAPHS = GRAPHS + ("ring", "grid")  # plus two regular shapes whose eigenvectors are Fourier modes
GRAPH_LABELS = {
    "karate": "Karate club (2 clubs after the split)",
    "karate4": "Karate club (4 communities, PyG KarateClub)",
    "les_miserables": "Les Misérables co-appearances (Louvain communities)",
    "florentine": "Florentine families (Louvain communities)",
    "davis": "Davis southern women + events (Louvain communities)",
    "sbm": "Stochastic block model (blocks are the classes)",
    "ring": "Ring of 24 nodes (halves as classes)",
    "grid": "6 x 6 grid (left / right half as classes)",
}


@dataclass(frozen=True)
class GraphData:
    name: str
    edges: np.ndarray  # (E, 2) int64, undirected, each pair once, i < j
    labels: np.ndarray  # (N,) int64 class per node
    class_names: tuple[str, ...]
    node_names: tuple[str, ...]
    pos: np.ndarray  # (N, 2) float layout for drawing
    kinds: np.ndarray | None = None  # (N,) int node type where the graph has two (davis: 0 woman, 1 event)

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def edge_index(self) -> np.ndarray:
        """(2, 2E): every undirected edge in both directions (row 0 source, row 1 target)."""
        return np.concatenate([self.edges.T, self.edges[:, ::-1].T], axis=1).astype(np.int64)

    def adjacency(self) -> np.ndarray:
        a = np.zeros((self.n, self.n))
        a[self.edges[:, 0], self.edges[:, 1]] = 1.0
        a[self.edges[:, 1], self.edges[:, 0]] = 1.0
        return a

    def degree(self) -> np.ndarray:
        return self.adjacency().sum(1).astype(int)

    def split(self, per_class: int, seed: int = 0) -> np.ndarray:
        """Boolean mask: `per_class` labelled nodes of each class (at most all but one of a class)."""
        rng = np.random.default_rng(seed)
        mask = np.zeros(self.n, dtype=bool)
        for c in range(self.n_classes):
            members = np.flatnonzero(self.labels == c)
            k = min(per_class, max(1, len(members) - 1))
            mask[rng.choice(members, size=k, replace=False)] = True
        return mask

    def to_networkx(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(map(tuple, self.edges))
        return g


def _from_networkx(name: str, g: nx.Graph, labels, class_names, *, seed: int, kinds=None) -> GraphData:
    nodes = list(g.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    edges = np.array(sorted({tuple(sorted((index[a], index[b]))) for a, b in g.edges() if a != b}), dtype=np.int64)
    h = nx.Graph()
    h.add_nodes_from(range(len(nodes)))
    h.add_edges_from(map(tuple, edges))
    pos = _layout(h, seed)
    return GraphData(
        name=name,
        edges=edges.reshape(-1, 2),
        labels=np.asarray(labels, dtype=np.int64),
        class_names=tuple(class_names),
        node_names=tuple(str(v) for v in nodes),
        pos=pos,
        kinds=None if kinds is None else np.asarray(kinds, dtype=np.int64),
    )


def _layout(g: nx.Graph, seed: int) -> np.ndarray:
    """Kamada-Kawai (deterministic, reads well for small graphs); spring layout for disconnected ones."""
    if nx.is_connected(g) and g.number_of_nodes() <= 120:
        p = nx.kamada_kawai_layout(g)
    else:
        p = nx.spring_layout(g, seed=seed, k=1.5 / np.sqrt(max(g.number_of_nodes(), 1)))
    xy = np.array([p[i] for i in range(g.number_of_nodes())], dtype=float)
    xy -= xy.mean(0)
    return xy / max(np.abs(xy).max(), 1e-9)


def _communities(g: nx.Graph, seed: int) -> np.ndarray:
    comms = sorted(nx.community.louvain_communities(g, seed=seed), key=lambda c: (-len(c), min(map(str, c))))
    where = {v: k for k, c in enumerate(comms) for v in c}
    return np.array([where[v] for v in g.nodes()])


@cache
def _karate4_labels() -> np.ndarray:
    from torch_geometric.datasets import KarateClub  # data is built in: no download

    return KarateClub()[0].y.numpy()


def sbm_graph(blocks: int = 3, block_size: int = 12, p_in: float = 0.3, p_out: float = 0.03, seed: int = 0) -> nx.Graph:
    probs = np.full((blocks, blocks), p_out) + np.eye(blocks) * (p_in - p_out)
    return nx.stochastic_block_model([block_size] * blocks, probs.tolist(), seed=seed)


@lru_cache(maxsize=64)  # bounded: SBM sliders and seeds make many distinct graphs
def graph(name: str, *, seed: int = 0, blocks: int = 3, block_size: int = 12, p_in: float = 0.3, p_out: float = 0.03) -> GraphData:
    """A named graph with node labels; the SBM arguments only matter for name="sbm"."""
    if name == "karate":
        g = nx.karate_club_graph()
        clubs = ("Mr. Hi", "Officer")
        return _from_networkx(name, g, [clubs.index(g.nodes[v]["club"]) for v in g], clubs, seed=seed)
    if name == "karate4":
        g = nx.karate_club_graph()
        return _from_networkx(name, g, _karate4_labels(), [f"community {k}" for k in range(4)], seed=seed)
    if name == "sbm":
        g = sbm_graph(blocks, block_size, p_in, p_out, seed)
        labels = [g.nodes[v]["block"] for v in g]
        return _from_networkx(name, g, labels, [f"block {k}" for k in range(blocks)], seed=seed)
    if name == "ring":
        g = nx.cycle_graph(24)
        return _from_networkx(name, g, [int(i >= 12) for i in g], ("first half", "second half"), seed=seed)
    if name == "grid":
        g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 6), label_attribute="rc")
        return _from_networkx(name, g, [int(g.nodes[v]["rc"][0] >= 3) for v in g], ("left", "right"), seed=seed)
    makers = {
        "les_miserables": nx.les_miserables_graph,
        "florentine": nx.florentine_families_graph,
        "davis": nx.davis_southern_women_graph,
    }
    if name not in makers:
        raise ValueError(f"unknown graph {name!r}; graphs: {', '.join(GRAPHS)}")
    g = makers[name]()
    labels = _communities(g, seed=0)  # communities are part of the data set, not of the run's seed
    kinds = [g.nodes[v]["bipartite"] for v in g] if name == "davis" else None
    return _from_networkx(name, g, labels, [f"community {k}" for k in range(labels.max() + 1)], seed=0, kinds=kinds)


def features(g: GraphData, kind: str = "identity", seed: int = 0) -> np.ndarray:
    """Node input features (N, F) float32: one-hot ids (the usual choice when a graph has none),
    degree one-hot, or random Gaussian vectors."""
    if kind == "identity":
        return np.eye(g.n, dtype=np.float32)
    if kind == "degree":
        deg = g.degree()
        return np.eye(deg.max() + 1, dtype=np.float32)[deg]
    if kind == "random":
        return np.random.default_rng(seed).standard_normal((g.n, 16)).astype(np.float32)
    raise ValueError(f"unknown feature kind {kind!r}")


def hop_distance(g: GraphData, source: int) -> np.ndarray:
    """(N,) shortest-path hops from `source`; -1 where unreachable."""
    d = nx.single_source_shortest_path_length(g.to_networkx(), source)
    return np.array([d.get(i, -1) for i in range(g.n)])


# ----------------------------------------------------------------------------- small graphs for graph classification


def _cycles(*lengths: int) -> nx.Graph:
    return nx.disjoint_union_all([nx.cycle_graph(k) for k in lengths])


def _bicyclic(ring_a: int, ring_b: int, fused: bool) -> nx.Graph:
    """Two rings sharing an edge (fused, e.g. decalin) or joined by one bridge edge (e.g. bicyclopentyl)."""
    g = nx.cycle_graph(ring_a)
    if fused:
        path = list(range(ring_a, ring_a + ring_b - 2))
        g.add_edges_from(zip([0] + path, path + [1]))
    else:
        g = nx.disjoint_union(g, nx.cycle_graph(ring_b))
        g.add_edge(0, ring_a)
    return g


# name -> (graph A, graph B, does 1-WL tell them apart?)
PAIRS = {
    "decalin vs bicyclopentyl": (lambda: _bicyclic(6, 6, True), lambda: _bicyclic(5, 5, False), False),
    "hexagon vs two triangles": (lambda: nx.cycle_graph(6), lambda: _cycles(3, 3), False),
    "8-ring vs cube (2- vs 3-regular)": (lambda: nx.cycle_graph(8), lambda: nx.hypercube_graph(3), True),
    "star vs path": (lambda: nx.star_graph(4), lambda: nx.path_graph(5), True),
}
CLASSIFICATION_TASKS = ("regular", "cycles")


def pair(name: str) -> tuple[nx.Graph, nx.Graph, bool]:
    a, b, wl = PAIRS[name]
    return nx.convert_node_labels_to_integers(a()), nx.convert_node_labels_to_integers(b()), wl


def graph_classification(task: str, n_graphs: int = 80, seed: int = 0) -> list[tuple[nx.Graph, int]]:
    """Generated graphs with a binary label, half of each class, in shuffled order.

    regular: random 2-regular (class 0) against random 3-regular graphs (class 1) of 8-12 nodes.
             1-WL separates them (degrees differ); a GCN with normalised aggregation cannot.
    cycles:  one cycle (class 0) against two disjoint cycles (class 1) with the same node count.
             Both are 2-regular: 1-WL, and so every message-passing GNN, sees no difference."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_graphs):
        label = i % 2
        n = int(rng.choice([8, 10, 12]))
        if task == "regular":
            g = nx.random_regular_graph(2 + label, n, seed=int(rng.integers(1 << 30)))
        elif task == "cycles":
            if label == 0:
                g = nx.cycle_graph(n)
            else:
                a = int(rng.integers(3, n - 2))
                g = _cycles(a, n - a)
        else:
            raise ValueError(f"unknown task {task!r}; tasks: {', '.join(CLASSIFICATION_TASKS)}")
        out.append((nx.convert_node_labels_to_integers(g), label))
    order = rng.permutation(n_graphs)
    return [out[i] for i in order]


def wl_colours(graphs: list[nx.Graph], rounds: int) -> list[list[np.ndarray]]:
    """1-WL colour refinement run jointly on several graphs (so colours are comparable).

    Returns colours[r][g] = (N_g,) int colour of each node of graph g after r rounds; round 0 is
    one colour for all (no node features). New colour = id of (old colour, sorted multiset of
    neighbours' old colours), numbered in order of first appearance."""
    cols = [[np.zeros(g.number_of_nodes(), dtype=int) for g in graphs]]
    for _ in range(rounds):
        prev, table, nxt = cols[-1], {}, []
        for g, c in zip(graphs, prev):
            sig = [(int(c[v]), tuple(sorted(int(c[u]) for u in g.neighbors(v)))) for v in range(g.number_of_nodes())]
            nxt.append(np.array([table.setdefault(s, len(table)) for s in sig]))
        cols.append(nxt)
    return cols


# ----------------------------------------------------------------------------- beyond simple graphs


@dataclass(frozen=True)
class Hypergraph:
    """Nodes and hyperedges (each hyperedge joins any number of nodes), as an incidence list."""

    incidence: np.ndarray  # (2, nnz) row 0 node, row 1 hyperedge
    labels: np.ndarray  # (N,) node class
    class_names: tuple[str, ...]
    node_names: tuple[str, ...]
    edge_names: tuple[str, ...]
    pos: np.ndarray  # (N + M, 2) layout of the star expansion: nodes first, then one point per hyperedge

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def m(self) -> int:
        return len(self.edge_names)

    def matrix(self) -> np.ndarray:
        """(N, M) incidence matrix H: H[v, e] = 1 when node v belongs to hyperedge e."""
        h = np.zeros((self.n, self.m))
        h[self.incidence[0], self.incidence[1]] = 1.0
        return h


@cache
def davis_hypergraph() -> Hypergraph:
    """Davis southern women: 18 women, 14 social events as hyperedges. Classes: the two Louvain
    communities of the women's co-attendance graph (the two groups Davis et al. described)."""
    g = nx.davis_southern_women_graph()
    women = [v for v in g if g.nodes[v]["bipartite"] == 0]
    events = [v for v in g if g.nodes[v]["bipartite"] == 1]
    co = nx.bipartite.weighted_projected_graph(g, women)
    comms = sorted(nx.community.louvain_communities(co, weight="weight", resolution=1.0, seed=0), key=lambda c: (-len(c), min(c)))
    where = {v: k for k, c in enumerate(comms) for v in c}
    inc = np.array([[women.index(w), events.index(e)] for w, e in g.edges() if w in women] +
                   [[women.index(w), events.index(e)] for e, w in g.edges() if w in women], dtype=np.int64)  # fmt: skip
    inc = np.unique(inc, axis=0).T
    star = nx.Graph()
    star.add_edges_from((int(a), len(women) + int(b)) for a, b in inc.T)
    return Hypergraph(
        incidence=inc,
        labels=np.array([where[w] for w in women]),
        class_names=tuple(f"group {k}" for k in range(len(comms))),
        node_names=tuple(women),
        edge_names=tuple(events),
        pos=_layout(star, 0),
    )


HETERO_TYPES = ("author", "paper", "venue")
HETERO_RELATIONS = (("author", "writes", "paper"), ("paper", "written_by", "author"), ("paper", "published_in", "venue"),
                    ("venue", "publishes", "paper"))  # fmt: skip


@dataclass(frozen=True)
class HeteroGraph:
    """A typed graph: authors write papers, papers appear in venues; each has a research area."""

    n: dict  # type -> count
    edges: dict  # relation triple -> (2, E) int64 (source ids, target ids) in the types' own numbering
    area: dict  # type -> (n_type,) true research area
    x: dict  # type -> (n_type, F) float32 input features
    pos: np.ndarray  # (total, 2) layout, nodes ordered author, paper, venue
    n_areas: int

    def offset(self, kind: str) -> int:
        return sum(self.n[t] for t in HETERO_TYPES[: HETERO_TYPES.index(kind)])


@cache
def academic_graph(
    areas: int = 3, authors_per_area: int = 10, papers_per_author: int = 2, mixing: float = 0.15, seed: int = 0
) -> HeteroGraph:
    """Generated authors-papers-venues graph. Papers carry a noisy bag-of-words feature of their area;
    authors and venues carry none (a constant). Co-authors and venues come from the paper's own area
    with probability 1 - mixing."""
    rng = np.random.default_rng(seed)
    n_auth, venues_per_area, words = areas * authors_per_area, 2, 12
    a_area = np.repeat(np.arange(areas), authors_per_area)
    v_area = np.repeat(np.arange(areas), venues_per_area)
    topic = rng.normal(0, 1, (areas, words))
    writes, published, p_area = [], [], []
    for a in range(n_auth):
        for _ in range(papers_per_author):
            p = len(p_area)
            area = a_area[a] if rng.random() > mixing else int(rng.integers(areas))
            p_area.append(area)
            writes.append((a, p))
            pool = np.flatnonzero(a_area == area) if rng.random() > mixing else np.arange(n_auth)
            co = int(rng.choice(pool))
            if co != a:
                writes.append((co, p))
            vpool = np.flatnonzero(v_area == area) if rng.random() > mixing else np.arange(len(v_area))
            published.append((p, int(rng.choice(vpool))))
    p_area = np.array(p_area)
    w = np.array(writes).T
    pv = np.array(published).T
    n = {"author": n_auth, "paper": len(p_area), "venue": len(v_area)}
    x_paper = (topic[p_area] + 1.2 * rng.normal(0, 1, (len(p_area), words))).astype(np.float32)
    edges = {HETERO_RELATIONS[0]: w, HETERO_RELATIONS[1]: w[::-1].copy(), HETERO_RELATIONS[2]: pv, HETERO_RELATIONS[3]: pv[::-1].copy()}
    flat = nx.Graph()
    flat.add_nodes_from(range(sum(n.values())))
    flat.add_edges_from((int(a), n_auth + int(p)) for a, p in w.T)
    flat.add_edges_from((n_auth + int(p), n_auth + len(p_area) + int(v)) for p, v in pv.T)
    return HeteroGraph(
        n=n,
        edges=edges,
        area={"author": a_area, "paper": p_area, "venue": v_area},
        x={"author": np.ones((n_auth, 1), np.float32), "paper": x_paper, "venue": np.ones((len(v_area), 1), np.float32)},
        pos=_layout(flat, seed),
        n_areas=areas,
    )


def feature_clusters(
    n: int = 60,
    classes: int = 3,
    noise: float = 1.0,
    p_in: float = 0.25,
    p_out: float = 0.01,
    dim: int = 8,
    nuisance: int = 8,
    seed: int = 0,
):
    """Nodes with features and a hidden graph: an SBM over the classes. Features = class centre + noise
    in `dim` dimensions, then `nuisance` dimensions of loud (std 2) noise that say nothing about the graph.

    Returns (x (n, dim + nuisance) float32, labels (n,), true edges (E, 2) with i < j)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    centres = rng.normal(0, 1, (classes, dim))
    x = centres[labels] + noise * rng.normal(0, 1, (n, dim))
    x = np.concatenate([x, 2.0 * rng.normal(0, 1, (n, nuisance))], axis=1).astype(np.float32)
    same = labels[:, None] == labels[None, :]
    p = np.where(same, p_in, p_out)
    upper = np.triu(rng.random((n, n)) < p, 1)
    return x, labels, np.argwhere(upper).astype(np.int64)


# ----------------------------------------------------------------------------- applications


def user_item_graph(users: int = 40, items: int = 30, groups: int = 3, p_like: float = 0.3, p_other: float = 0.03, seed: int = 0):
    """A bipartite recommendation graph: users and items belong to taste groups; a user interacts with
    an item of its own group with probability p_like, with any other item with p_other.

    Returns (edges (E, 2) [user, item] int64, user_group (users,), item_group (items,))."""
    rng = np.random.default_rng(seed)
    ug, ig = np.arange(users) % groups, np.arange(items) % groups
    p = np.where(ug[:, None] == ig[None, :], p_like, p_other)
    edges = np.argwhere(rng.random((users, items)) < p).astype(np.int64)
    return edges, ug, ig
