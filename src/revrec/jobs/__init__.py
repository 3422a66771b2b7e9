"""The job queue and the worker loop that runs background work (staging uploads, programs)."""
