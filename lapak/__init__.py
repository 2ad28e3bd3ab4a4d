"""lapak: kiosk controller for offline one-to-many branch booths."""
__version__ = "0.1.0"
