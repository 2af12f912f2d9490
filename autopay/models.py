"""autopay models: see DESIGN in README."""
