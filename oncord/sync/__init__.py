"""Keeping oncord and Cliniko in step: connecting, pulling, (later) pushing."""
