"""Attribution methods on one input, as numpy maps of the input's shape (no batch axis).

Thin wrappers around the libraries that own the methods: captum (saliency, gradient x input,
integrated gradients, SmoothGrad via NoiseTunnel, occlusion), shap (GradientExplainer = expected
gradients, DeepExplainer = DeepLIFT-style Shapley rules) and lime (a weighted linear surrogate on
perturbed copies). Each takes a model in eval mode and runs outside no_grad (captum needs the
graph). exact_shapley enumerates every coalition: the oracle the tests hold shap against.

Shapes: an image input is (1, 1, 8, 8) and its map (1, 8, 8); a tabular input is (1, F) and its map (F,).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import torch
from captum.attr import InputXGradient, IntegratedGradients, NoiseTunnel, Occlusion, Saliency
from torch import nn

from nnviz.models.classifiers import single_output

METHODS = ("saliency", "grad_x_input", "integrated_gradients", "smoothgrad", "occlusion", "gradient_shap", "deep_shap", "lime")
LABELS = {
    "saliency": "Saliency |∇f|",
    "grad_x_input": "Gradient × input",
    "integrated_gradients": "Integrated gradients",
    "smoothgrad": "SmoothGrad",
    "occlusion": "Occlusion",
    "gradient_shap": "SHAP (gradient)",
    "deep_shap": "SHAP (deep)",
    "lime": "LIME",
}
GRADIENT_METHODS = ("saliency", "grad_x_input", "integrated_gradients", "smoothgrad")


def warm_up() -> None:
    """Import shap and lime (about 2 s the first time) so that per-method timings measure the methods."""
    import lime.lime_image  # noqa: F401
    import lime.lime_tabular  # noqa: F401
    import shap  # noqa: F401


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()[0]


def _leaf(x: torch.Tensor) -> torch.Tensor:
    """A fresh leaf that requires grad (captum warns, and sets it itself, otherwise)."""
    return x.detach().clone().requires_grad_(True)


def saliency(model: nn.Module, x: torch.Tensor, target: int) -> np.ndarray:
    """|∂f_target/∂x| (Simonyan et al.)."""
    return _np(Saliency(model).attribute(_leaf(x), target=target, abs=True))


def grad_x_input(model: nn.Module, x: torch.Tensor, target: int) -> np.ndarray:
    """x ⊙ ∂f/∂x: the first-order Taylor term around 0."""
    return _np(InputXGradient(model).attribute(_leaf(x), target=target))


def integrated_gradients(model: nn.Module, x: torch.Tensor, target: int, baseline: torch.Tensor, n_steps: int = 50):
    """(map, delta): (x − x′) ⊙ ∫₀¹ ∂f(x′ + α(x − x′))/∂x dα, Gauss-Legendre; delta = Σ map − (f(x) − f(x′))."""
    attr, delta = IntegratedGradients(model).attribute(
        _leaf(x), baselines=baseline, target=target, n_steps=n_steps, method="gausslegendre", return_convergence_delta=True
    )
    return _np(attr), float(delta.detach().cpu().abs().sum())


def smoothgrad(model: nn.Module, x: torch.Tensor, target: int, stdev: float, n_samples: int = 25) -> np.ndarray:
    """Mean |∇f| over n_samples copies of x with N(0, stdev²) noise (Smilkov et al.), via captum's NoiseTunnel."""
    nt = NoiseTunnel(Saliency(model))
    return _np(
        nt.attribute(_leaf(x), nt_type="smoothgrad", nt_samples=n_samples, nt_samples_batch_size=n_samples, stdevs=stdev, target=target)
    )


def occlusion(model: nn.Module, x: torch.Tensor, target: int, window: int = 2, fill: float = 0.0) -> np.ndarray:
    """f(x) − f(x with a window set to `fill`), averaged over the windows covering each input element."""
    if x.dim() == 4:
        shape, strides = (1, window, window), (1, 1, 1)
    else:
        shape, strides = (1,), (1,)
    occ = Occlusion(model)
    return _np(
        occ.attribute(_leaf(x), sliding_window_shapes=shape, strides=strides, baselines=fill, target=target, perturbations_per_eval=64)
    )


def gradient_shap(model: nn.Module, x: torch.Tensor, target: int, background: torch.Tensor, n_samples: int = 100, seed: int = 0):
    """shap.GradientExplainer (expected gradients): IG averaged over baselines drawn from the background."""
    import shap

    f = single_output(model, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.GradientExplainer(f, background, batch_size=n_samples)
        values = explainer.shap_values(x, nsamples=n_samples, rseed=seed)
    return np.asarray(values)[0, ..., 0]


def deep_shap(model: nn.Module, x: torch.Tensor, target: int, background: torch.Tensor) -> tuple[np.ndarray, float]:
    """(map, E[f]): shap.DeepExplainer (DeepLIFT rescale rules averaged over the background).

    Valid for Sequential stacks of Linear / Conv / ReLU / MaxPool modules; the values add up to
    f(x) − E_background[f] exactly (summation to delta)."""
    import shap

    f = single_output(model, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.DeepExplainer(f, background)
        values = explainer.shap_values(x, check_additivity=False)
    return np.asarray(values)[0, ..., 0], float(np.asarray(explainer.expected_value).reshape(-1)[0])


def deep_shap_many(model: nn.Module, xs: torch.Tensor, target: int, background: torch.Tensor) -> tuple[np.ndarray, float]:
    """DeepExplainer values for many inputs at once: ((N, *shape), E[f])."""
    import shap

    f = single_output(model, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.DeepExplainer(f, background)
        values = explainer.shap_values(xs, check_additivity=False)
    return np.asarray(values)[..., 0], float(np.asarray(explainer.expected_value).reshape(-1)[0])


def _logits(model: nn.Module):
    """LIME's 'classifier_fn', returning logits: LIME regresses on whatever column it is given, and the
    logit (what every other method here explains) is far closer to linear than the softmax, so the
    surrogate's fidelity R² goes from ~0.3-0.7 to ~0.85-0.95 on the digits CNN."""

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.as_tensor(batch, dtype=torch.float32)).numpy()

    return predict


def _quiet_image_explainer(seed: int):
    """lime's LimeImageExplainer with data_labels vectorised: the original loops over samples in
    Python and draws an unconditional tqdm bar on stderr (lime 0.2.0.1); the perturbations, the kernel
    and the weighted ridge surrogate (LimeBase) are lime's own."""
    from lime import lime_image as li

    class Quiet(li.LimeImageExplainer):
        def data_labels(self, image, fudged_image, segments, classifier_fn, num_samples, batch_size=10):
            n = np.unique(segments).shape[0]
            data = self.random_state.randint(0, 2, num_samples * n).reshape((num_samples, n))
            data[0, :] = 1  # the first sample is the unperturbed image
            keep = data[:, segments]  # (N, H, W): 1 where the pixel's segment is switched on
            imgs = np.where(keep[..., None] == 1, image[None], fudged_image[None])  # (N, H, W, 3)
            return data, classifier_fn(imgs)

    return Quiet(random_state=seed)


def grid_segments(height: int, width: int, cell: int) -> np.ndarray:
    """(H, W) segment ids: a regular grid of cell x cell squares (LIME's superpixels for 8x8 digits)."""
    rows = np.arange(height)[:, None] // cell
    cols = np.arange(width)[None, :] // cell
    return rows * int(math.ceil(width / cell)) + cols


def lime_image(model: nn.Module, x: torch.Tensor, target: int, cell: int = 2, n_samples: int = 500, seed: int = 0) -> dict:
    """LIME on a (1, 1, H, W) image with a grid segmentation; segments are switched off to 0 (no ink), the logit explained.

    Returns map (1, H, W) (each pixel carries its segment's weight), intercept, score (R² of the weighted
    linear surrogate on its own samples: the fidelity), local_pred (the surrogate at x) and the model's logit."""
    from skimage.color import gray2rgb

    img = gray2rgb(x.detach().cpu().numpy()[0, 0].astype(np.float64))  # (H, W, 3): lime works on RGB
    segments = grid_segments(*img.shape[:2], cell)
    predict = _logits(model)

    def classifier(batch: np.ndarray) -> np.ndarray:  # (N, H, W, 3) RGB copies -> (N, classes)
        return predict(batch[..., :1].transpose(0, 3, 1, 2))

    explainer = _quiet_image_explainer(seed)
    exp = explainer.explain_instance(
        img, classifier, labels=(target,), top_labels=None, hide_color=0, num_samples=n_samples, batch_size=n_samples,
        segmentation_fn=lambda image: segments, random_seed=seed,
    )  # fmt: skip
    weights = dict(exp.local_exp[target])
    pixel = np.vectorize(lambda s: weights.get(s, 0.0))(segments)[None].astype(np.float32)
    logit = float(predict(x.detach().cpu().numpy())[0, target])
    return dict(
        map=pixel,
        intercept=float(exp.intercept[target]),
        score=float(exp.score),
        local_pred=float(np.ravel(exp.local_pred)[0]),
        logit=logit,
    )


def lime_tabular(
    model: nn.Module, x: torch.Tensor, target: int, train: np.ndarray, feature_names, n_samples: int = 1000, seed: int = 0
) -> dict:
    """LIME on one row: Gaussian perturbations around it, a weighted ridge surrogate on the class logit.

    Features stay continuous (no quartile bins), so the weights are d logit / d (standard deviation)
    and line up with the other methods. Returns map (F,), intercept, score (fidelity R²), local_pred, logit."""
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        train, feature_names=list(feature_names), discretize_continuous=False, mode="classification", random_state=seed
    )
    row = x.detach().cpu().numpy()[0]
    predict = _logits(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "probabilities do not sum to 1": we hand it logits on purpose
        exp = explainer.explain_instance(row, predict, labels=(target,), num_features=len(row), num_samples=n_samples)
    weights = np.zeros(len(row), dtype=np.float32)
    for i, w in exp.local_exp[target]:
        weights[i] = w
    return dict(
        map=weights,
        intercept=float(exp.intercept[target]),
        score=float(exp.score),
        local_pred=float(np.ravel(exp.local_pred)[0]),
        logit=float(predict(row[None])[0, target]),
    )


def exact_shapley(f, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Shapley values of f at x by enumerating all 2^F coalitions (interventional value function).

    v(S) = mean over background rows b of f(x_S, b_rest); φ_i = Σ_S |S|!(F−|S|−1)!/F! (v(S ∪ i) − v(S)).
    f maps (N, F) -> (N,). Exponential in F: for the tests' 4-feature models."""
    n = len(x)
    value = {}
    for r in range(n + 1):
        for subset in itertools.combinations(range(n), r):
            rows = background.copy()
            rows[:, list(subset)] = x[list(subset)]
            value[subset] = float(np.mean(f(rows)))
    phi = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for r in range(n):
            for subset in itertools.combinations(others, r):
                weight = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
                phi[i] += weight * (value[tuple(sorted((*subset, i)))] - value[subset])
    return phi


def rank_agreement(maps: dict[str, np.ndarray]) -> np.ndarray:
    """(M, M) Spearman rank correlation between the |maps| (importance magnitude, sign ignored)."""
    from scipy.stats import spearmanr

    data = np.stack([np.abs(m).ravel() for m in maps.values()], axis=1)  # (elements, M)
    rho = spearmanr(data).statistic
    rho = np.atleast_2d(np.asarray(rho, dtype=float))
    return np.nan_to_num(rho, nan=0.0)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    rho = spearmanr(np.abs(a).ravel(), np.abs(b).ravel()).statistic
    return 0.0 if not np.isfinite(rho) else float(rho)
