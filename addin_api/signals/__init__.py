"""Signals: sentiment of buyer emails from cold lexicons plus what an org's reps taught it (pure Python)."""
