"""Unit III exercises beyond the single-file lab: text generation."""
