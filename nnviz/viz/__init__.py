"""Plotly builders: numpy arrays in, go.Figure out. Never torch, never streamlit."""
