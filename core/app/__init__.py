"""The core as adapters see it: one entry per platform update."""
