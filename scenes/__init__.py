"""Manim scenes of the lecture: reusable components and the four narrated segments.

The numbers all come from :mod:`optmath`; this package only draws them.
"""
