"""What autopay does when other apps announce something (DESIGN §1: signals)."""
