"""annual-review: reproducible annual rule-of-law reports from data."""

__version__ = "0.1.0"
