"""Shipped or generated data. Every generator: seeded, keyword arguments, numpy or torch out."""
