"""The only package (with app.py and lab_pages/) that imports streamlit."""

from nnviz.ui.page import LabPage

__all__ = ["LabPage"]
