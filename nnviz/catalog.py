"""THE table of contents: one entry per lab. app.py, the CLI, the benchmark and the tests read it.

Adding a lab: one lab module, one model module if needed, one page file, one explain file and one
line here. Only labs that exist are listed; sections with no lab are not shown.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

# The course's parts, in teaching order.
SECTIONS = (
    "Attention & Transformers",
    "Graph Neural Networks",
    "Generative Models",
    "Specialized Architectures",
    "Interpretability",
    "Training Techniques",
    "Learning Paradigms",
)


@dataclass(frozen=True)
class LabEntry:
    name: str  # short id: CLI argument, explain file name, URL path
    section: str  # one of SECTIONS
    title: str
    icon: str  # Streamlit material icon
    page: str  # page script, relative to the repository root
    module: str  # the lab module: Config, PRESETS, run()
    blurb: str  # one line for the home page card and `nnviz list`

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


# One line per lab, grouped by section (keep each lab under its section's comment).
LABS: tuple[LabEntry, ...] = (
    # --- Attention & Transformers
    LabEntry(
        name="attention",
        section="Attention & Transformers",
        title="Attention mechanisms",
        icon=":material/visibility:",
        page="lab_pages/attention.py",
        module="nnviz.labs.attention",
        blurb="Train a tiny transformer on copy / reverse / sort and watch its attention heads "
        "learn the pattern; six attention variants side by side.",
    ),
    # --- Graph Neural Networks
    LabEntry(
        name="message_passing",
        section="Graph Neural Networks",
        title="Message passing",
        icon=":material/hub:",
        page="lab_pages/message_passing.py",
        module="nnviz.labs.message_passing",
        blurb="GCN, GraphSAGE, GAT or GIN classify the nodes of the karate club from a few labels; step through "
        "one node's update as messages on edges and as the matrices Â·H·W.",
    ),
    LabEntry(
        name="gnn_spectra",
        section="Graph Neural Networks",
        title="Expressiveness and spectra",
        icon=":material/graphic_eq:",
        page="lab_pages/gnn_spectra.py",
        module="nnviz.labs.gnn_spectra",
        blurb="GIN against GCN on graphs 1-WL can and cannot tell apart, WL colour refinement step by step; "
        "Laplacian eigenvectors, low- and high-pass filters and a Chebyshev polynomial filter.",
    ),
    LabEntry(
        name="gnn_beyond",
        section="Graph Neural Networks",
        title="Beyond simple graphs",
        icon=":material/scatter_plot:",
        page="lab_pages/gnn_beyond.py",
        module="nnviz.labs.gnn_beyond",
        blurb="Hypergraph convolution on the davis southern women, a heterogeneous authors-papers-venues GNN "
        "with per-relation messages, and an adjacency learned from node features.",
    ),
    LabEntry(
        name="gnn_recommend",
        section="Graph Neural Networks",
        title="Recommendation (link prediction)",
        icon=":material/recommend:",
        page="lab_pages/gnn_recommend.py",
        module="nnviz.labs.gnn_recommend",
        blurb="LightGCN learns users and items on a bipartite interaction graph and recommends unseen items; "
        "held-out interactions score it against popularity and matrix factorisation.",
    ),
    LabEntry(
        name="gnn_applications",
        section="Graph Neural Networks",
        title="Knowledge graphs and traffic",
        icon=":material/traffic:",
        page="lab_pages/gnn_applications.py",
        module="nnviz.labs.gnn_applications",
        blurb="Complete a family knowledge graph with R-GCN + DistMult (filtered rank of the true answer), and forecast "
        "congestion waves on a road grid with GCN + GRU against last value and a GRU without the graph.",
    ),
    # --- Generative Models
    LabEntry(
        name="diffusion",
        section="Generative Models",
        title="Diffusion models",
        icon=":material/blur_on:",
        page="lab_pages/diffusion.py",
        module="nnviz.labs.diffusion",
        blurb="A DDPM learns 2-D point clouds or 8x8 digits: the forward noising, the reverse process step by step, "
        "the learned score field, and DDPM against DDIM with fewer steps.",
    ),
    LabEntry(
        name="gan",
        section="Generative Models",
        title="Generative adversarial networks",
        icon=":material/swords:",
        page="lab_pages/gan.py",
        module="nnviz.labs.gan",
        blurb="A generator and a discriminator fight over a ring of Gaussians: the decision surface, both losses, "
        "the modes covered, and what happens when only one player trains.",
    ),
    LabEntry(
        name="vae",
        section="Generative Models",
        title="Variational autoencoders",
        icon=":material/scatter_plot:",
        page="lab_pages/vae.py",
        module="nnviz.labs.vae",
        blurb="8x8 digits through a 2-D Gaussian latent: the reparameterisation trick step by step, the latent map, "
        "the decoded manifold, interpolation, and the β trade-off between reconstruction and KL.",
    ),
    LabEntry(
        name="autoregressive",
        section="Generative Models",
        title="Autoregressive models",
        icon=":material/grid_on:",
        page="lab_pages/autoregressive.py",
        module="nnviz.labs.autoregressive",
        blurb="PixelCNN's masked convolutions with their receptive field and blind spot, generation pixel by pixel, "
        "and WaveNet's dilated causal convolutions on a 1-D signal.",
    ),
    # --- Specialized Architectures
    LabEntry(
        name="kan",
        section="Specialized Architectures",
        title="Kolmogorov-Arnold networks",
        icon=":material/ssid_chart:",
        page="lab_pages/kan.py",
        module="nnviz.labs.kan",
        blurb="Learnable B-spline functions on every edge: grid extension, pruning, symbolic formulas, "
        "and a race against an MLP of the same size.",
    ),
    LabEntry(
        name="neural_ode",
        section="Specialized Architectures",
        title="Neural ODEs",
        icon=":material/airwave:",
        page="lab_pages/neural_ode.py",
        module="nnviz.labs.neural_ode",
        blurb="A learned vector field solved by torchdiffeq: spiral dynamics, a continuous-depth moons classifier, "
        "solver evaluations over training, adjoint vs direct back-propagation.",
    ),
    LabEntry(
        name="spiking",
        section="Specialized Architectures",
        title="Spiking networks",
        icon=":material/bolt:",
        page="lab_pages/spiking.py",
        module="nnviz.labs.spiking",
        blurb="A leaky integrate-and-fire neuron, and a surrogate-gradient spiking classifier on rate-coded digits: "
        "raster, spike counts, sparsity and an energy estimate.",
    ),
    LabEntry(
        name="capsules",
        section="Specialized Architectures",
        title="Capsule networks",
        icon=":material/hub:",
        page="lab_pages/capsules.py",
        module="nnviz.labs.capsules",
        blurb="Dynamic routing on digits: coupling coefficients per iteration, capsule lengths as probabilities, "
        "reconstructions with one capsule dimension perturbed, and a CNN of the same size.",
    ),
    # --- Interpretability
    LabEntry(
        name="attribution",
        section="Interpretability",
        title="Attribution bench",
        icon=":material/target:",
        page="lab_pages/attribution.py",
        module="nnviz.labs.attribution",
        blurb="Saliency, gradient × input, integrated gradients, SmoothGrad, occlusion, SHAP and LIME side by side on "
        "one input; do they agree, and do they pass the model-randomisation sanity check?",
    ),
    LabEntry(
        name="probing",
        section="Interpretability",
        title="Probing classifiers",
        icon=":material/troubleshoot:",
        page="lab_pages/probing.py",
        module="nnviz.labs.probing",
        blurb="Linear probes read position, token and task properties out of each layer of a transformer (or a digits MLP); "
        "control tasks, selectivity, probe capacity and the information plane over training.",
    ),
    LabEntry(
        name="attention_relevance",
        section="Interpretability",
        title="Attention relevance",
        icon=":material/hub:",
        page="lab_pages/attention_relevance.py",
        module="nnviz.labs.attention_relevance",
        blurb="Which input tokens does each output of a trained transformer use? Raw attention, rollout, gradient × "
        "attention and integrated gradients per layer, scored against the task's ideal pattern.",
    ),
    LabEntry(
        name="concepts",
        section="Interpretability",
        title="Concepts (TCAV)",
        icon=":material/lightbulb:",
        page="lab_pages/concepts.py",
        module="nnviz.labs.concepts",
        blurb="Testing with concept activation vectors: is a digit CNN's class sensitive to thick strokes or closed "
        "loops, per layer, and does that beat random concepts?",
    ),
    # --- Training Techniques
    # --- Learning Paradigms
)


def get(name: str) -> LabEntry:
    for lab in LABS:
        if lab.name == name:
            return lab
    raise KeyError(f"no lab named {name!r}; labs: {', '.join(lab.name for lab in LABS)}")


def load(name: str) -> ModuleType:
    return get(name).load()


def sections() -> dict[str, list[LabEntry]]:
    """Sections that hold at least one lab, in course order."""
    out: dict[str, list[LabEntry]] = {}
    for section in SECTIONS:
        labs = [lab for lab in LABS if lab.section == section]
        if labs:
            out[section] = labs
    return out
