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
        page="pages/attention.py",
        module="nnviz.labs.attention",
        blurb="Train a tiny transformer on copy / reverse / sort and watch its attention heads "
        "learn the pattern; six attention variants side by side.",
    ),
    # --- Graph Neural Networks
    # --- Generative Models
    # --- Specialized Architectures
    # --- Interpretability
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
