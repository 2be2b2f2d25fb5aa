"""Small classifiers to explain: a CNN for 8x8 digits and an MLP for tabular data.

Both are plain nn.Sequential stacks of named modules, each ReLU its own module. That is what the
attribution libraries need: captum's layer methods and DeepLIFT-style rules (shap's DeepExplainer)
hook modules, and a functional op (F.relu, torch.flatten) would be invisible to them.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from torch import nn


def digit_cnn(channels: int = 8, hidden: int = 32, classes: int = 10) -> nn.Sequential:
    """(B, 1, 8, 8) -> (B, classes) logits. Two conv blocks then two linear layers."""
    c = channels
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, c, 3, padding=1),  # (B, c, 8, 8)
            relu1=nn.ReLU(),
            pool1=nn.MaxPool2d(2),  # (B, c, 4, 4)
            conv2=nn.Conv2d(c, 2 * c, 3, padding=1),  # (B, 2c, 4, 4)
            relu2=nn.ReLU(),
            pool2=nn.MaxPool2d(2),  # (B, 2c, 2, 2)
            flatten=nn.Flatten(),  # (B, 8c)
            fc1=nn.Linear(8 * c, hidden),  # (B, hidden)
            relu3=nn.ReLU(),
            logits=nn.Linear(hidden, classes),  # (B, classes)
        )
    )


def tabular_mlp(features: int, hidden: int = 32, classes: int = 2) -> nn.Sequential:
    """(B, features) -> (B, classes) logits. Two hidden ReLU layers."""
    return nn.Sequential(
        OrderedDict(
            fc1=nn.Linear(features, hidden),  # (B, hidden)
            relu1=nn.ReLU(),
            fc2=nn.Linear(hidden, hidden),  # (B, hidden)
            relu2=nn.ReLU(),
            logits=nn.Linear(hidden, classes),  # (B, classes)
        )
    )


def weight_layers(model: nn.Sequential) -> list[str]:
    """Names of the layers that carry weights, from the input to the output."""
    return [name for name, m in model.named_children() if any(True for _ in m.parameters(recurse=False))]


def randomized(model: nn.Sequential, n_top: int, seed: int = 0) -> nn.Sequential:
    """A copy with the top n_top weight layers re-initialised (Adebayo et al.'s cascading randomisation).

    n_top = 0 returns an unchanged copy; n_top = all layers gives a freshly initialised network.
    """
    out = copy.deepcopy(model)
    names = weight_layers(out)[::-1][:n_top]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for name in names:
            getattr(out, name).reset_parameters()
    return out.eval()


def single_output(model: nn.Sequential, target: int) -> nn.Sequential:
    """The same network with one output: the logit of class `target`, (B, 1).

    The last Linear is cut down to its row `target`, so shap's explainers (which explain every
    output) explain only this one, and DeepExplainer still sees nothing but modules it knows.
    """
    head: nn.Linear = model[-1]
    one = nn.Linear(head.in_features, 1)
    with torch.no_grad():
        one.weight.copy_(head.weight[target : target + 1])
        one.bias.copy_(head.bias[target : target + 1])
    return nn.Sequential(OrderedDict([*list(model.named_children())[:-1], ("logit", one)])).eval()


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def digits_mlp(widths: tuple[int, ...] = (32, 16, 8), activation: str = "tanh", classes: int = 10) -> nn.Sequential:
    """(B, 64) flattened digits -> (B, classes). Hidden layers h1, h2, ... each followed by its own activation
    (act1, act2, ...): the outputs of the act modules are the layer representations T_l that get probed."""
    act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    layers, d = [], 64
    for i, w in enumerate(widths, start=1):
        layers += [(f"h{i}", nn.Linear(d, w)), (f"act{i}", act())]  # (B, w)
        d = w
    layers.append(("logits", nn.Linear(d, classes)))  # (B, classes)
    return nn.Sequential(OrderedDict(layers))


def hidden_states(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """Outputs of every activation module of a digits_mlp, input first: [x, T_1, T_2, ...]."""
    out = [x]
    for name, module in model.named_children():
        x = module(x)
        if name.startswith("act"):
            out.append(x)
    return out
