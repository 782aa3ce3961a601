"""Shots a user describes as data: a surface (a registry name or a formula), optimizers, starts,
steps, camera and words, read from a TOML file or ``optviz race`` options and rendered in any format.

No Manim here: a shot is checked and turned into a ``scenes.description.Description`` in a plain
Python process, so bad input is refused before anything renders.
"""
