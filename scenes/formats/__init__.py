"""Formats: how a segment's description becomes a video (size, layout, pacing).

``lecture``: 16:9, the full narration, update panels with live numbers.
``social``: 9:16, under a minute, a hook, the key moment, a loop, captions burned in.
``talk``: a manim-slides deck, a slide per beat with its narration as speaker notes.
"""
