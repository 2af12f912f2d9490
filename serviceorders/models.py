"""serviceorders models: see DESIGN in README."""
