"""delinquency models: see DESIGN in README."""
