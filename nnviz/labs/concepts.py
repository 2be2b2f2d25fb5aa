"""Concepts: TCAV (captum.concept) on the attribution bench's digits CNN, with concepts built from the data.

result = run(Config())
result.tcav(target=8)            # scores per concept and layer, against random concepts
result.figures(target=8, snapshot=4)

A concept is a set of example images (thick strokes, closed loops, thin strokes); its CAV is the normal
of a linear classifier separating the concept's activations from a random set's at one layer. The TCAV
score is the fraction of a class's inputs whose logit rises along the CAV. Random concepts against each
other give the spread a real concept must beat (a two-sided t-test).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from scipy import ndimage, stats

from nnviz.core.params import LabConfig, param
from nnviz.core.seed import seeded
from nnviz.labs import attribution
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.viz import curves as vc
from nnviz.viz.attribution import map_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "concepts"
LAYERS = ("conv1", "conv2", "fc1")
CONCEPTS = {
    "thick strokes": "the quarter of training images with the most ink",
    "thin strokes": "the quarter of training images with the least ink",
    "closed loops": "images whose ink encloses a hole (scipy's binary_fill_holes adds pixels)",
}


def concept_masks(x: np.ndarray) -> dict[str, np.ndarray]:
    """(N, 1, 8, 8) images -> boolean membership per concept, computed from the pixels alone."""
    ink = x.reshape(len(x), -1).sum(1)
    ink_bin = x[:, 0] > 0.3
    holes = np.array([ndimage.binary_fill_holes(b).sum() > b.sum() for b in ink_bin])
    return {"thick strokes": ink >= np.quantile(ink, 0.75), "thin strokes": ink <= np.quantile(ink, 0.25), "closed loops": holes}


def cav_classifier():
    """captum's DefaultClassifier (sklearn SGD, the CAV is its weight vector) with its held-out accuracy fixed.

    captum 0.9 scores a binary split by argmax over the decision function's single column, so every test
    row gets class 0 and the reported accuracy is the share of concept rows (about 0.5) whatever the fit.
    Here a positive decision value means the second class, as in sklearn."""
    from captum.concept._utils.classifier import DefaultClassifier, _train_test_split
    from torch.utils.data import DataLoader, TensorDataset

    class Fixed(DefaultClassifier):
        def train_and_eval(self, dataloader, test_split_ratio: float = 0.33, **kwargs):
            inputs, labels = zip(*list(dataloader))
            x_train, x_test, y_train, y_test = _train_test_split(torch.cat(inputs), torch.cat(labels), test_split=test_split_ratio)
            self.lm.device = "cpu"
            self.lm.fit(DataLoader(TensorDataset(x_train, y_train)))
            scores = self.lm(x_test)  # (N, 1) for two classes, (N, C) otherwise
            classes = self.lm.classes()
            picked = (scores[:, 0] > 0).long() if scores.shape[1] == 1 else scores.argmax(1)
            return {"accs": (classes[picked.cpu()].long() == y_test.long().cpu()).float().mean()}

    return Fixed()


def _p_value(scores: np.ndarray, null: np.ndarray) -> float:
    """Two-sided two-sample t-test; when both samples are constant (all 0 or all 1) the answer is exact."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on constant samples: handled below
        p = float(stats.ttest_ind(scores, null).pvalue)
    if np.isfinite(p):
        return p
    return 1.0 if np.isclose(scores.mean(), null.mean()) else 0.0


@dataclass(frozen=True)
class Config(LabConfig):
    # 8 channels, 300 steps: the attribution bench's CNN, ~96% test accuracy
    channels: int = param(8, lo=2, hi=32, step=2, help="CNN: channels of the first conv layer", group="Model")
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    steps: int = param(300, lo=10, hi=3000, step=10, help="Optimiser steps", group="Training")
    # 100 images per concept: enough for the CAV's linear classifier on a few hundred activations
    concept_size: int = param(
        100, lo=20, hi=300, step=10, help="Images per concept (and per random set)", label="Concept size", group="TCAV"
    )
    # 6 random partners: the t-test has 6 scores per concept, and 15 random-vs-random pairs form the null
    n_random: int = param(6, lo=2, hi=12, help="Random concepts each concept is tested against", label="Random concepts", group="TCAV")


PRESETS = {
    "Digits CNN (default)": Config(),
    "More random concepts (tighter test)": Config(n_random=10),
    "Barely trained CNN": Config(steps=20),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def run(config: Config, progress=None) -> ConceptsResult:
    inner = attribution.run(
        attribution.Config(dataset="digits", channels=config.channels, lr=config.lr, steps=config.steps, seed=config.seed),
        progress=progress,
    )
    return ConceptsResult(config=config, log=inner.log, device=inner.device, inner=inner, test_acc=inner.test_acc)


@dataclass(frozen=True)
class ConceptsResult(LabResult):
    inner: attribution.AttributionResult = None  # the trained CNN, its data and snapshots
    test_acc: float = 0.0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "tcav": FigureInfo(
            "TCAV scores per layer",
            "Fraction of the class's test images whose logit increases along the concept's direction (CAV), mean ± sd "
            "over random partners. Grey: random concepts against each other, the null. * marks p < 0.05 (t-test).",
        ),
        "cav_accuracy": FigureInfo(
            "Can the layer tell the concept apart?",
            "Held-out accuracy of the linear classifier behind each CAV (concept vs random). Near 0.5 the CAV is noise "
            "and its TCAV score means nothing.",
        ),
        "concept_examples": FigureInfo(
            "The concepts", "Examples of each concept, drawn from the training images by a pixel rule, not by label."
        ),
        "curves": FigureInfo("Training curves", "Loss and accuracy of the CNN."),
    }

    def summary(self) -> dict[str, float]:
        return {**super().summary(), "test_acc": self.test_acc}

    def views(self) -> list[View]:
        return [View("target", "Class to explain", tuple(range(10)), 0, "TCAV asks how sensitive this class's logit is to each concept")]

    def _snap(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def concept_sets(self) -> dict:
        """Images per concept and per random set (fixed for the run)."""

        def compute():
            c = self.config
            x = self.inner.x_train
            rng = np.random.default_rng(c.seed + 5)
            out = {}
            for name, mask in concept_masks(x).items():
                idx = np.flatnonzero(mask)
                out[name] = x[rng.choice(idx, size=min(c.concept_size, len(idx)), replace=False)]
            for k in range(c.n_random):
                out[f"random {k}"] = x[rng.choice(len(x), size=c.concept_size, replace=False)]
            return out

        return self.memo(("concepts",), compute)

    def tcav(self, target: int = 0, snapshot: int | None = None) -> dict:
        """scores[concept][layer] (n_random,), null[layer] (pairs,), p[concept][layer], accs[concept][layer]."""

        def compute():
            with seeded(self.config.seed + int(target)):  # CAV train/test splits and SGD draw from the global generators
                return self._tcav(int(target), snapshot)

        return self.memo(("tcav", int(target), self._snap(snapshot)), compute)

    def _tcav(self, target, snapshot) -> dict:
        from captum.concept import TCAV, Concept
        from torch.utils.data import DataLoader

        sets = self.concept_sets()
        names = list(sets)
        concepts = {n: Concept(i, n, DataLoader(torch.as_tensor(sets[n]), batch_size=len(sets[n]))) for i, n in enumerate(names)}
        randoms = [n for n in names if n.startswith("random")]
        real = [n for n in names if not n.startswith("random")]
        experiments = [[concepts[c], concepts[r]] for c in real for r in randoms]
        nulls = [[concepts[a], concepts[b]] for i, a in enumerate(randoms) for b in randoms[i + 1 :]]
        model = self.inner.model_at(snapshot)
        inputs = torch.as_tensor(self.inner.x_test[self.inner.y_test == target])
        with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # captum caches CAVs on disk: a throwaway folder
            tcav = TCAV(model, layers=list(LAYERS), classifier=cav_classifier(), save_path=folder)
            scores = tcav.interpret(inputs=inputs, experimental_sets=experiments + nulls, target=target)
            cavs = tcav.compute_cavs(experiments)
        key = lambda pair: "-".join(str(c.id) for c in pair)  # noqa: E731
        score = lambda pair, layer: float(scores[key(pair)][layer]["sign_count"][0])  # noqa: E731
        out = {"scores": {}, "accs": {}, "p": {}, "null": {}}
        for layer in LAYERS:
            out["null"][layer] = np.array([score(p, layer) for p in nulls])
        for c in real:
            pairs = [p for p in experiments if p[0].name == c]
            out["scores"][c] = {layer: np.array([score(p, layer) for p in pairs]) for layer in LAYERS}
            out["accs"][c] = {layer: float(np.mean([float(cavs[key(p)][layer].stats["accs"]) for p in pairs])) for layer in LAYERS}
            out["p"][c] = {layer: _p_value(out["scores"][c][layer], out["null"][layer]) for layer in LAYERS}
        return out

    # --- figures

    def figures(self, target: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        target = int(np.clip(target, 0, 9))
        step = self.log.snapshots[self._snap(snapshot)].step
        t = self.tcav(target, snapshot)
        return {
            "tcav": self._fig_tcav(t, target, step),
            "cav_accuracy": self._fig_accs(t, step),
            "concept_examples": self._fig_examples(),
            "curves": self.inner._fig_curves(step),
        }

    def _fig_tcav(self, t, target, step) -> go.Figure:
        fig = go.Figure()
        null = t["null"]
        fig.add_trace(
            go.Bar(x=list(LAYERS), y=[null[layer].mean() for layer in LAYERS], name="random vs random (null)", marker_color="#bbb",
                   error_y=dict(type="data", array=[null[layer].std() for layer in LAYERS]),
                   hovertemplate="null<br>layer %{x}<br>TCAV %{y:.2f}<extra></extra>")
        )  # fmt: skip
        for i, (c, by_layer) in enumerate(t["scores"].items()):
            marks = ["*" if t["p"][c][layer] < 0.05 else "" for layer in LAYERS]
            fig.add_trace(
                go.Bar(x=list(LAYERS), y=[by_layer[layer].mean() for layer in LAYERS], name=c, marker_color=PALETTE[i],
                       error_y=dict(type="data", array=[by_layer[layer].std() for layer in LAYERS]),
                       text=marks, textposition="outside", customdata=[t["p"][c][layer] for layer in LAYERS],
                       hovertemplate=f"{c}<br>layer %{{x}}<br>TCAV %{{y:.2f}}<br>p = %{{customdata:.3f}}<extra></extra>")
            )  # fmt: skip
        fig.add_hline(y=0.5, line=dict(color="#888", dash="dot"))
        fig.update_xaxes(title="layer")
        fig.update_yaxes(title="TCAV score (fraction of class inputs)", range=[0, 1.15])
        return base_layout(fig, f"TCAV for class {target}, step {step} (* p < 0.05 against the random null)", height=440, barmode="group",
                           legend=dict(orientation="h", y=-0.2))  # fmt: skip

    def _fig_accs(self, t, step) -> go.Figure:
        return vc.bars(
            list(LAYERS),
            {c: [t["accs"][c][layer] for layer in LAYERS] for c in t["accs"]},
            title=f"CAV classifier accuracy (concept vs random, held out), step {step}",
            x_title="layer",
            y_title="accuracy (fraction)",
            y_range=[0, 1.05],
            text_fmt=".2f",
        )

    def _fig_examples(self) -> go.Figure:
        sets = self.concept_sets()
        names = [*CONCEPTS, "random 0"]
        images = np.concatenate([sets[n][:8, 0] for n in names])
        return map_grid(
            images,
            title="Examples of each concept (first 8 of each set)",
            cols=8,
            row_titles=names,
            colorbar_title="ink (0-1)",
            cell=90,
        )
