"""The Account Control Panel (seed 004): the CSR's main screen. Reads in selectors/,
thin views in views/, accounts' tabs and facts in tabs.py; writes in accounts/services/."""
