"""intraxl — the monthly follow-up (månadsuppföljning) toolkit."""

__version__ = "0.1.0"
