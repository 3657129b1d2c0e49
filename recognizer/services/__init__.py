"""Writes: every change to the recogniser's data goes through a function in this package."""
