"""bill_completed -> autopay at bill completion (seed 001 steps 1.6-2.8)."""
