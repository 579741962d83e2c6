"""Pytest plugins shared by the whole suite."""
