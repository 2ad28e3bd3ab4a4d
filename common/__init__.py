"""What every other package of lapak shares: the error base, the config loader, the backoff
helper and the branch's vocabulary (languages, document kinds).

This is the bottom of the house: it imports nothing of lapak, and nothing here does I/O
except :func:`common.config.load`, which reads one file.
"""
