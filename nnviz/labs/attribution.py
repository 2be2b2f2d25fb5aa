"""Attribution bench: one trained model, one chosen input, eight attribution methods side by side.

result = run(Config(dataset="digits"))
result.attributions(example=3, baseline="blurred")   # maps, IG completeness, LIME fidelity, timings
result.figures(example=3, baseline="zeros", snapshot=4)

Attributions are computed on demand for the chosen input and memoised, never during training.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from scipy.ndimage import gaussian_filter
from torch.nn import functional as F

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.data.tabular import tabular
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models import attribution as A
from nnviz.models.classifiers import digit_cnn, n_params, randomized, tabular_mlp, weight_layers
from nnviz.viz import attribution as va
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap
from nnviz.viz.theme import DIVERGING

NAME = "attribution"
DATASETS = ("digits", "breast_cancer", "wine")
IMAGE_BASELINES = ("zeros", "blurred", "mean")
TABULAR_BASELINES = ("mean", "minimum", "other class")
IG_STEP_LADDER = (2, 4, 8, 16, 32, 64, 128)


@dataclass(frozen=True)
class Config(LabConfig):
    # digits: a CNN whose maps you can read as pictures; the tabular sets show SHAP's beeswarm and waterfall
    dataset: str = param(
        "digits", choices=DATASETS, help="digits: a small CNN on 8x8 images; the others: an MLP on a tabular set", group="Model"
    )
    # 8 channels: ~96% on digits in 300 steps, and few enough to train in about a second
    channels: int = param(
        8, lo=2, hi=32, step=2, help="CNN: channels of the first conv layer (the second has twice as many)", group="Model"
    )
    # 32 units: enough for >95% on both tabular sets and on top of the CNN
    hidden: int = param(32, lo=4, hi=256, step=4, help="Units of the hidden linear layers", label="Hidden units", group="Model")
    # 3e-3 with Adam trains every model here; 10 is there to show divergence
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 300 steps of 64: about a second on two CPU cores
    steps: int = param(300, lo=10, hi=3000, step=10, help="Optimiser steps", group="Training")
    batch_size: int = param(64, lo=8, hi=512, step=8, help="Examples per step", label="Batch size", group="Training")
    # 64 points: the completeness gap is typically well under 1% (ReLU kinks make fewer points uneven)
    ig_steps: int = param(
        64, lo=2, hi=256, help="Integrated gradients: points on the path from baseline to input", label="IG steps", group="Attribution"
    )
    # σ = 15% of the input range: Smilkov et al.'s sweet spot
    noise: float = param(
        0.15,
        lo=0.0,
        hi=1.0,
        step=0.05,
        help="SmoothGrad: noise σ as a fraction of the input range",
        label="SmoothGrad noise",
        group="Attribution",
    )
    nt_samples: int = param(25, lo=2, hi=200, help="SmoothGrad: noisy copies averaged", label="SmoothGrad samples", group="Attribution")
    # 2x2 patches: 16 LIME segments on an 8x8 digit, small enough to follow a stroke
    patch: int = param(
        2, lo=1, hi=4, help="Images: occlusion window and LIME grid cell, in pixels", label="Patch size", group="Attribution"
    )
    # 500 perturbations: LIME's surrogate fits 16 segments or 30 features with R² well above 0.5
    lime_samples: int = param(
        500, lo=100, hi=5000, step=100, help="LIME: perturbed copies the surrogate is fitted on", label="LIME samples", group="Attribution"
    )
    # 50 background rows: E[f] stable to a few hundredths, DeepExplainer still fast
    background: int = param(
        50,
        lo=10,
        hi=200,
        step=10,
        help="SHAP: background examples (the expectation E[f] is over these)",
        label="SHAP background",
        group="Attribution",
    )
    shap_samples: int = param(
        100, lo=20, hi=500, step=10, help="GradientExplainer: (baseline, α) samples per input", label="SHAP samples", group="Attribution"
    )
    # σ = 1 pixel blurs away strokes but keeps the blob: Sturmfels et al.'s blurred baseline
    blur: float = param(
        1.0,
        lo=0.25,
        hi=4.0,
        step=0.25,
        help="Images: σ (pixels) of the Gaussian blur for the blurred IG baseline",
        label="Blur σ",
        group="Attribution",
    )

    def validate(self) -> None:
        if self.dataset != "digits" and self.hidden < 4:
            raise ConfigError("hidden", "the tabular MLP needs at least 4 hidden units")

    @property
    def is_image(self) -> bool:
        return self.dataset == "digits"


PRESETS = {
    "Digits CNN (default)": Config(),
    "Breast cancer MLP: beeswarm and waterfall": Config(dataset="breast_cancer", steps=200),
    "Wine MLP (three classes)": Config(dataset="wine", steps=200),
    "Barely trained CNN (maps are noise)": Config(steps=20),
    "Coarse IG (4 steps): completeness breaks": Config(ig_steps=4),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def build_model(config: Config, n_features: int = 0, n_classes: int = 10) -> torch.nn.Sequential:
    if config.is_image:
        return digit_cnn(config.channels, config.hidden, n_classes)
    return tabular_mlp(n_features, config.hidden, n_classes)


def load_data(config: Config) -> dict:
    """Arrays for training and explaining: x with a channel axis for images, names for tabular."""
    if config.is_image:
        xtr, ytr, xte, yte = digits(seed=config.seed)
        return dict(
            x_train=xtr[:, None], y_train=ytr, x_test=xte[:, None], y_test=yte,
            feature_names=tuple(f"pixel ({r}, {c})" for r in range(8) for c in range(8)),
            class_names=tuple(str(d) for d in range(10)),
        )  # fmt: skip
    return tabular(config.dataset, seed=config.seed)


def pick_examples(y: np.ndarray, n_classes: int, per_class: int) -> np.ndarray:
    """Indices of the first `per_class` test examples of each class, interleaved by class."""
    picks = [np.flatnonzero(y == c)[:per_class] for c in range(n_classes)]
    return np.array([p[i] for i in range(per_class) for p in picks if i < len(p)], dtype=np.int64)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> AttributionResult:
    device = get_device()
    with seeded(config.seed):
        data = load_data(config)
        n_classes = len(data["class_names"])
        xtr = torch.as_tensor(data["x_train"], device=device)
        ytr = torch.as_tensor(data["y_train"], device=device)
        xte = torch.as_tensor(data["x_test"], device=device)
        yte = torch.as_tensor(data["y_test"], device=device)
        model = build_model(config, xtr.shape[-1], n_classes).to(device)
        g = generator(config.seed + 1, device)

        def batch_fn(step):
            idx = torch.randint(0, len(xtr), (config.batch_size,), generator=g, device=device)
            return xtr[idx], ytr[idx]

        def loss_fn(model, batch):
            x, y = batch
            logits = model(x)
            return F.cross_entropy(logits, y), {"train_acc": (logits.argmax(-1) == y).float().mean()}

        def eval_fn(model):
            return {"test_acc": (model(xte).argmax(-1) == yte).float().mean()}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 8),
            log_every=max(5, config.steps // 40),
            progress=progress,
            max_loss=10 * math.log(n_classes),
        )
        model.eval()
        with torch.no_grad():
            test_acc = float((model(xte).argmax(-1) == yte).float().mean()) if not log.diverged else float("nan")
        rng = np.random.default_rng(config.seed + 2)
        bg = rng.choice(len(data["x_train"]), size=min(config.background, len(data["x_train"])), replace=False)
        per_class = 1 if config.is_image else max(1, 8 // n_classes)
        examples = pick_examples(data["y_test"], n_classes, per_class)
    return AttributionResult(
        config=config,
        log=log,
        device=str(device),
        x_train=np.asarray(data["x_train"]),
        y_train=np.asarray(data["y_train"]),
        x_test=np.asarray(data["x_test"]),
        y_test=np.asarray(data["y_test"]),
        background_idx=bg,
        example_idx=examples,
        feature_names=tuple(data["feature_names"]),
        class_names=tuple(data["class_names"]),
        params=n_params(model),
        test_acc=test_acc,
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AttributionResult(LabResult):
    x_train: np.ndarray = None  # (N, 1, 8, 8) or (N, F), standardised for tabular
    y_train: np.ndarray = None
    x_test: np.ndarray = None
    y_test: np.ndarray = None
    background_idx: np.ndarray = None  # training rows SHAP integrates over
    example_idx: np.ndarray = None  # test rows offered as "example"
    feature_names: tuple = ()
    class_names: tuple = ()
    params: int = 0
    test_acc: float = 0.0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "maps": FigureInfo(
            "Eight methods, one input",
            "Each method's answer to 'which inputs made the model say this class?', each scaled to its own largest "
            "magnitude (red raises the logit, blue lowers it; saliency and SmoothGrad are magnitudes only).",
        ),
        "agreement": FigureInfo(
            "Do the methods agree?",
            "Spearman rank correlation between the methods' |attributions| over the input's elements: 1 means the "
            "same ranking of what matters, 0 means unrelated rankings.",
        ),
        "sanity": FigureInfo(
            "Sanity check: randomise the model layer by layer",
            "Adebayo et al.'s cascading randomisation: from the output down, each layer's weights are re-drawn. A "
            "map that barely changes cannot be explaining the model; it is explaining the input.",
        ),
        "sanity_curve": FigureInfo(
            "How much of each map survives randomisation",
            "Rank correlation between the trained model's map and the map after randomising the top layers. "
            "A faithful method drops towards 0 once the weights it depends on are gone.",
        ),
        "completeness": FigureInfo(
            "Integrated gradients: completeness",
            "IG's attributions must add up to f(x) − f(x′) (the logit at the input minus at the baseline). "
            "Left: the two sides per baseline. Right: the gap shrinks as the path integral gets more points.",
        ),
        "waterfall": FigureInfo(
            "SHAP waterfall for this input",
            "DeepExplainer's Shapley values walk from the average logit over the background, E[f], to this "
            "input's logit f(x), one feature at a time; they add up exactly.",
        ),
        "beeswarm": FigureInfo(
            "SHAP beeswarm over the test set",
            "One dot per test example and feature at its SHAP value, coloured by the feature's value: which "
            "features matter overall and in which direction.",
        ),
        "lime": FigureInfo(
            "LIME: the local linear surrogate",
            "LIME perturbs the input, asks the model, and fits a weighted linear model to the answers. Its "
            "weights are the explanation; its R² on those samples (the fidelity) says how far to trust them.",
        ),
        "timing": FigureInfo(
            "What each method costs", "Wall-clock seconds for this input on this machine (model forward and backward passes dominate)."
        ),
        "curves": FigureInfo("Training curves", "Cross-entropy loss per step; training and test accuracy."),
    }

    # --- summary and views

    def summary(self) -> dict[str, float]:
        return {**super().summary(), "test_acc": self.test_acc, "params": float(self.params)}

    @property
    def baselines(self) -> tuple[str, ...]:
        return IMAGE_BASELINES if self.config.is_image else TABULAR_BASELINES

    def views(self) -> list[View]:
        labels = tuple(f"#{i}: {self.class_names[self.y_test[i]]}" for i in self.example_idx)
        return [
            View(
                "example",
                "Input to explain",
                tuple(range(len(self.example_idx))),
                0,
                "A test example; the predicted class is explained",
                labels=labels,
            ),
            View(
                "baseline",
                "IG baseline",
                self.baselines,
                self.baselines[0],
                "Where integrated gradients starts its path (the 'absence' of signal)",
            ),
        ]

    # --- internals

    def _snap_index(self, snapshot: int | None) -> int:
        snaps = self.log.snapshots
        return len(snaps) - 1 if snapshot is None else int(np.clip(snapshot, 0, len(snaps) - 1))

    def model_at(self, snapshot: int | None = None) -> torch.nn.Sequential:
        model = build_model(self.config, self.x_train.shape[-1], len(self.class_names))
        load_arrays(model, self.log.snapshots[self._snap_index(snapshot)].data)
        return model.eval()

    def _input(self, example: int) -> torch.Tensor:
        i = self.example_idx[int(np.clip(example, 0, len(self.example_idx) - 1))]
        return torch.as_tensor(self.x_test[i : i + 1])

    def baseline_input(self, x: torch.Tensor, baseline: str, target: int) -> torch.Tensor:
        if baseline == "zeros" or (baseline == "mean" and not self.config.is_image):
            return torch.zeros_like(x)  # tabular: standardised, so zeros are the training mean
        if baseline == "blurred":
            return torch.as_tensor(gaussian_filter(x.numpy()[0, 0], sigma=self.config.blur))[None, None].float()
        if baseline == "mean":
            return torch.as_tensor(self.x_train.mean(0, keepdims=True))
        if baseline == "minimum":
            return torch.as_tensor(self.x_train.min(0, keepdims=True))
        if baseline == "other class":
            others = self.x_train[self.y_train != target]
            return torch.as_tensor(others.mean(0, keepdims=True))
        raise ValueError(f"unknown baseline {baseline!r}; baselines: {', '.join(self.baselines)}")

    def _smooth_sigma(self) -> float:
        return self.config.noise * float(self.x_train.max() - self.x_train.min())

    def attributions(self, example: int = 0, baseline: str | None = None, snapshot: int | None = None) -> dict:
        """Every method's map for one input at one snapshot (memoised). Keys: maps, target, prob, ig_*, lime_*, seconds."""
        baseline = baseline if baseline in self.baselines else self.baselines[0]
        key = ("attr", int(example), baseline, self._snap_index(snapshot))

        def compute():
            with seeded(self.config.seed):  # SmoothGrad's noise and LIME's ridge draw from the global generators
                return self._attributions(example, baseline, snapshot)

        return self.memo(key, compute)

    def _attributions(self, example: int, baseline: str, snapshot: int | None) -> dict:
        c = self.config
        model = self.model_at(snapshot)
        x = self._input(example)
        with torch.no_grad():
            logits = model(x)[0]
        target = int(logits.argmax())
        base = self.baseline_input(x, baseline, target)
        bg = torch.as_tensor(self.x_train[self.background_idx])
        maps, seconds = {}, {}
        A.warm_up()

        def timed(name, fn):
            t0 = time.perf_counter()
            out = fn()
            seconds[name] = time.perf_counter() - t0
            return out

        maps["saliency"] = timed("saliency", lambda: A.saliency(model, x, target))
        maps["grad_x_input"] = timed("grad_x_input", lambda: A.grad_x_input(model, x, target))
        maps["integrated_gradients"], ig_delta = timed(
            "integrated_gradients", lambda: A.integrated_gradients(model, x, target, base, c.ig_steps)
        )
        maps["smoothgrad"] = timed("smoothgrad", lambda: A.smoothgrad(model, x, target, self._smooth_sigma(), c.nt_samples))
        maps["occlusion"] = timed("occlusion", lambda: A.occlusion(model, x, target, c.patch if c.is_image else 1))
        maps["gradient_shap"] = timed("gradient_shap", lambda: A.gradient_shap(model, x, target, bg, c.shap_samples, c.seed))
        maps["deep_shap"], expected = timed("deep_shap", lambda: A.deep_shap(model, x, target, bg))
        if c.is_image:
            lime = timed("lime", lambda: A.lime_image(model, x, target, c.patch, c.lime_samples, c.seed))
        else:
            lime = timed("lime", lambda: A.lime_tabular(model, x, target, self.x_train, self.feature_names, c.lime_samples, c.seed))
        maps["lime"] = lime["map"]
        with torch.no_grad():
            f_base = float(model(base)[0, target])
        return dict(
            maps=maps,
            seconds=seconds,
            target=target,
            label=int(self.y_test[self.example_idx[int(np.clip(example, 0, len(self.example_idx) - 1))]]),
            prob=float(torch.softmax(logits, -1)[target]),
            f_x=float(logits[target]),
            f_base=f_base,
            ig_sum=float(maps["integrated_gradients"].sum()),
            ig_delta=ig_delta,
            shap_expected=expected,
            shap_sum=float(maps["deep_shap"].sum()),
            lime_score=lime["score"],
            lime_local_pred=lime["local_pred"],
            lime_logit=lime["logit"],
            lime_intercept=lime.get("intercept", float("nan")),
            x=x.numpy()[0],
        )

    def completeness_gap(self, example: int = 0, baseline: str | None = None, snapshot: int | None = None) -> float:
        """|Σ IG − (f(x) − f(x′))| / |f(x) − f(x′)| for the chosen input: IG's completeness as one number."""
        a = self.attributions(example, baseline, snapshot)
        return abs(a["ig_delta"]) / max(abs(a["f_x"] - a["f_base"]), 1e-12)

    def sanity(self, example: int = 0, baseline: str | None = None, snapshot: int | None = None) -> dict:
        """Cascading randomisation: gradient-based maps for the model with its top k layers re-drawn, k = 0..L."""
        baseline = baseline if baseline in self.baselines else self.baselines[0]
        key = ("sanity", int(example), baseline, self._snap_index(snapshot))
        self.attributions(example, baseline, snapshot)  # outside the lock below: it takes its own

        def compute():
            with seeded(self.config.seed + 1):
                return self._sanity(example, baseline, snapshot)

        return self.memo(key, compute)

    def _sanity(self, example, baseline, snapshot) -> dict:
        c = self.config
        model = self.model_at(snapshot)
        a = self.attributions(example, baseline, snapshot)
        x, target = self._input(example), a["target"]
        base = self.baseline_input(x, baseline, target)
        layers = weight_layers(model)[::-1]
        stages = ["trained"] + [layers[0]] + [f"+ {n}" for n in layers[1:]]
        maps = {m: [] for m in A.GRADIENT_METHODS}
        for k in range(len(layers) + 1):
            rnd = randomized(model, k, seed=c.seed + 100)
            maps["saliency"].append(A.saliency(rnd, x, target))
            maps["grad_x_input"].append(A.grad_x_input(rnd, x, target))
            maps["integrated_gradients"].append(A.integrated_gradients(rnd, x, target, base, c.ig_steps)[0])
            maps["smoothgrad"].append(A.smoothgrad(rnd, x, target, self._smooth_sigma(), c.nt_samples))
        rho = {m: [A.spearman(v[0], s) for s in v] for m, v in maps.items()}
        return dict(stages=stages, maps=maps, rho=rho)

    def ig_convergence(self, example: int = 0, snapshot: int | None = None) -> dict:
        key = ("igconv", int(example), self._snap_index(snapshot))
        return self.memo(key, lambda: self._ig_convergence(example, snapshot))

    def _ig_convergence(self, example, snapshot) -> dict:
        model = self.model_at(snapshot)
        x = self._input(example)
        with torch.no_grad():
            target = int(model(x)[0].argmax())
        out = {"sums": {}, "deltas": {}, "gaps": {}}
        for b in self.baselines:
            base = self.baseline_input(x, b, target)
            with torch.no_grad():
                df = float(model(x)[0, target] - model(base)[0, target])
            out["deltas"][b] = df
            for method, tag in (("gausslegendre", "Gauss-Legendre"), ("riemann_trapezoid", "trapezoid")):
                gaps = []
                for n in IG_STEP_LADDER:
                    attr = A.IntegratedGradients(model).attribute(x, baselines=base, target=target, n_steps=n, method=method)
                    total = float(attr.detach().sum())
                    gaps.append(abs(total - df) / max(abs(df), 1e-12))
                    if method == "gausslegendre" and n == self.config.ig_steps:
                        out["sums"][b] = total
                out["gaps"][f"{b} ({tag})"] = gaps
            if b not in out["sums"]:
                attr = A.IntegratedGradients(model).attribute(
                    x, baselines=base, target=target, n_steps=self.config.ig_steps, method="gausslegendre"
                )
                out["sums"][b] = float(attr.detach().sum())
        return out

    def shap_test_set(self, target: int, snapshot: int | None = None) -> dict:
        """DeepExplainer values of class `target`'s logit for every test row (tabular beeswarm)."""
        key = ("shapall", int(target), self._snap_index(snapshot))

        def compute():
            model = self.model_at(snapshot)
            values, expected = A.deep_shap_many(
                model, torch.as_tensor(self.x_test), target, torch.as_tensor(self.x_train[self.background_idx])
            )
            return dict(values=values, expected=expected)

        return self.memo(key, compute)

    # --- figures

    def figures(self, example: int = 0, baseline: str | None = None, snapshot: int | None = None) -> dict[str, go.Figure]:
        c = self.config
        example = int(np.clip(example, 0, len(self.example_idx) - 1))
        baseline = baseline if baseline in self.baselines else self.baselines[0]
        step = self.log.snapshots[self._snap_index(snapshot)].step
        a = self.attributions(example, baseline, snapshot)
        figs = {
            "maps": self._fig_maps(a, baseline, step) if c.is_image else self._fig_maps_tabular(a, baseline, step),
            "agreement": self._fig_agreement(a, step),
            "sanity": self._fig_sanity(example, baseline, snapshot, a),
            "sanity_curve": self._fig_sanity_curve(example, baseline, snapshot),
            "completeness": self._fig_completeness(example, baseline, snapshot, a),
        }
        if not c.is_image:
            figs["waterfall"] = self._fig_waterfall(a, step)
            figs["beeswarm"] = self._fig_beeswarm(a, snapshot, step)
        figs["lime"] = self._fig_lime(a, step)
        figs["timing"] = self._fig_timing(a)
        figs["curves"] = self._fig_curves(step)
        return figs

    def _what(self, a: dict) -> str:
        cls = self.class_names
        return f"predicted {cls[a['target']]} (p = {a['prob']:.2f}), true {cls[a['label']]}"

    def _fig_maps(self, a, baseline, step) -> go.Figure:
        maps = a["maps"]
        norm = [m[0] / (np.abs(m).max() or 1.0) for m in maps.values()]
        images = np.stack([a["x"][0], *norm])
        short = {**A.LABELS, "saliency": "Saliency", "grad_x_input": "Grad × input", "integrated_gradients": f"IG ({baseline})"}
        titles = ["input", *[short[k] for k in maps]]
        return va.map_grid(
            images,
            title=f"Attributions for {self._what(a)}, step {step}",
            titles=titles,
            cols=5,
            colorbar_title="attribution / max |attr.|<br>(input: ink 0-1)",
            cell=150,
        )

    def _fig_maps_tabular(self, a, baseline, step) -> go.Figure:
        maps = a["maps"]
        order = np.argsort(-np.abs(maps["deep_shap"]))
        z = np.stack([m / (np.abs(m).max() or 1.0) for m in maps.values()])[:, order]
        names = [A.LABELS[k] if k != "integrated_gradients" else f"IG ({baseline})" for k in maps]
        return heatmap(
            z,
            title=f"Attributions for {self._what(a)}, step {step}",
            x_title="feature (sorted by |SHAP|)",
            y_title="method",
            x_labels=[self.feature_names[i] for i in order],
            y_labels=names,
            colorbar_title="attribution / max |attribution|",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            height=460,
            hover="scaled attribution",
        )

    def _fig_agreement(self, a, step) -> go.Figure:
        rho = A.rank_agreement(a["maps"])
        names = [A.LABELS[k] for k in a["maps"]]
        off = rho[~np.eye(len(rho), dtype=bool)]
        return heatmap(
            rho,
            title=f"Rank agreement between methods (mean off-diagonal ρ = {off.mean():.2f}), step {step}",
            x_title="method",
            y_title="method",
            x_labels=names,
            y_labels=names,
            colorbar_title="Spearman ρ",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            annotate=True,
            height=520,
            hover="Spearman ρ",
        )

    def _fig_sanity(self, example, baseline, snapshot, a) -> go.Figure:
        s = self.sanity(example, baseline, snapshot)
        methods = list(s["maps"])
        if self.config.is_image:
            images = [m[0] / (np.abs(m).max() or 1.0) for meth in methods for m in s["maps"][meth]]
            return va.map_grid(
                np.stack(images),
                title="Maps as the top layers are randomised (left to right), one method per row",
                row_titles=[A.LABELS[m] for m in methods],
                col_titles=s["stages"],
                cols=len(s["stages"]),
                colorbar_title="attribution / max |attribution|",
                cell=120,
            )
        top = np.argsort(-np.abs(a["maps"]["integrated_gradients"]))[:10]
        rows = [m[top] / (np.abs(m).max() or 1.0) for meth in methods for m in s["maps"][meth]]
        labels = [f"{A.LABELS[meth]} · {stage}" for meth in methods for stage in s["stages"]]
        return heatmap(
            np.stack(rows),
            title="Maps as the top layers are randomised (each method: trained, then cascading from the output)",
            x_title="feature (top 10 by |IG|)",
            y_title="method · layers randomised",
            x_labels=[self.feature_names[i] for i in top],
            y_labels=labels,
            colorbar_title="attribution / max |attribution|",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            height=620,
            hover="scaled attribution",
        )

    def _fig_sanity_curve(self, example, baseline, snapshot) -> go.Figure:
        s = self.sanity(example, baseline, snapshot)
        return vc.curves(
            s["stages"],
            {A.LABELS[m]: v for m, v in s["rho"].items()},
            title="Rank correlation with the trained model's map as layers are randomised",
            x_title="layers randomised (cascading from the output)",
            y_title="Spearman ρ with the original map",
            markers=True,
            y_range=[-0.3, 1.05],
        )

    def _fig_completeness(self, example, baseline, snapshot, a) -> go.Figure:
        conv = self.ig_convergence(example, snapshot)
        gap = self.completeness_gap(example, baseline, snapshot)
        return va.completeness(
            conv["sums"],
            conv["deltas"],
            IG_STEP_LADDER,
            conv["gaps"],
            title=f"IG completeness ({baseline} baseline, {self.config.ig_steps} steps): Σ IG = {a['ig_sum']:.3f}, "
            f"f(x) − f(x′) = {a['f_x'] - a['f_base']:.3f}, gap {100 * gap:.2f}%",
            chosen=baseline,
        )

    def _fig_waterfall(self, a, step) -> go.Figure:
        return va.waterfall(
            a["maps"]["deep_shap"],
            self.feature_names,
            a["x"],
            base=a["shap_expected"],
            title=f"SHAP waterfall, {self._what(a)}: E[f] = {a['shap_expected']:.3f} → f(x) = {a['f_x']:.3f}, step {step}",
            y_title=f"logit of class {self.class_names[a['target']]}",
        )

    def _fig_beeswarm(self, a, snapshot, step) -> go.Figure:
        s = self.shap_test_set(a["target"], snapshot)
        return va.beeswarm(
            s["values"],
            self.x_test,
            self.feature_names,
            title=f"SHAP values of the '{self.class_names[a['target']]}' logit over {len(self.x_test)} test examples, step {step}",
            seed=self.config.seed,
        )

    def _fig_lime(self, a, step) -> go.Figure:
        fid = f"fidelity R² = {a['lime_score']:.2f}; surrogate {a['lime_local_pred']:.2f} vs model {a['lime_logit']:.2f} at x"
        if self.config.is_image:
            cell = self.config.patch
            segs = A.grid_segments(8, 8, cell)
            n = int(segs.max()) + 1
            weights = np.array([a["maps"]["lime"][0][segs == s][0] for s in range(n)])
            cols = int(math.ceil(8 / cell))
            names = [
                f"rows {(s // cols) * cell}-{min(8, (s // cols + 1) * cell) - 1}, cols {(s % cols) * cell}-{min(8, (s % cols + 1) * cell) - 1}"
                for s in range(n)
            ]
        else:
            weights, names = a["maps"]["lime"], list(self.feature_names)
        return va.signed_bars(
            weights,
            names,
            title=f"LIME weights for the '{self.class_names[a['target']]}' logit: {fid}, step {step}",
            x_title="surrogate weight (logit change when the feature is on)" if self.config.is_image else "surrogate weight (logit per sd)",
            series="LIME weight",
        )

    def _fig_timing(self, a) -> go.Figure:
        sec = a["seconds"]
        return vc.bars(
            [A.LABELS[k] for k in sec],
            {"seconds": list(sec.values())},
            title=f"Time per method for one input: {sum(sec.values()):.2f} s in all",
            x_title="method",
            y_title="wall-clock time (s)",
        )

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        get = self.log.series
        return vc.training_curves(
            h["step"],
            {"loss": {"train loss": get("loss")}, "accuracy": {"train (batch)": get("train_acc"), "test": get("test_acc")}},
            title="Loss and accuracy",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)"},
            marker_step=marker_step,
        )
