"""Variable consideration (ASC 606-10-32-5..14, IFRS 15.50-59): setup, estimate uploads, reassessment."""
