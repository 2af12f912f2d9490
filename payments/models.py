"""payments models: see DESIGN in README."""
