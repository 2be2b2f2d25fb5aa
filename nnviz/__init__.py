"""nnviz: an interactive explorer of advanced neural networks.

Importing the package is cheap on purpose (no torch, no streamlit): the catalog, the CLI and the
app shell start fast, and each lab pulls in torch only when it is opened.
"""

__version__ = "0.1.0"
