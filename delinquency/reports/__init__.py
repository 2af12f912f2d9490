"""The delinquency reports (issue 12 item 8, seed 000): HTML, CSV and PDF from the Reports
menu at /acp/reports/ (README "Delinquency reports")."""
