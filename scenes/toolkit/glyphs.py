"""Static words drawn as one path per text, not one per letter.

Manim's ``Text`` and ``MathTex`` keep every glyph as its own VMobject, and the Cairo camera
sets up, projects, colours and fills each one from Python on every frame: a lecture frame
with a title, a legend and a table card draws 150-300 glyphs, which profiled at about half
of a 480p frame's time. A glyph's outline is already a list of subpaths that Manim splits
where one curve does not start at the previous one's end; the glyphs of one text put one
after another are the same kind of list. So ``merge_glyphs`` puts them into the text's first
glyph and drops the rest: one Cairo fill per text, the same pixels.

Only for words that stay as they are (titles, legend rows, cards, an update rule): a
transform that morphs letter by letter would have nothing left to morph.
"""

from __future__ import annotations

import numpy as np
from manim import MathTex, SingleStringMathTex, Tex, Text, VMobject

TEXT_KINDS = (Text, MathTex, SingleStringMathTex, Tex)


def _same_style(a: VMobject, b: VMobject) -> bool:
    return (a.get_fill_color() == b.get_fill_color() and a.get_fill_opacity() == b.get_fill_opacity()
            and a.get_stroke_width() == b.get_stroke_width()
            and (a.get_stroke_width() == 0 or a.get_stroke_color() == b.get_stroke_color()))


def merge_paths(text: VMobject) -> bool:
    """Merge the paths under ``text`` (one style: a text's glyphs, an axis' ticks) into a single VMobject;
    False if it has nothing to merge."""
    glyphs = [m for m in text.family_members_with_points() if m is not text]
    if len(glyphs) < 2 or not all(isinstance(g, VMobject) and _same_style(glyphs[0], g) for g in glyphs):
        return False
    first = glyphs[0]
    first.points = np.concatenate([g.points for g in glyphs])
    for parent in text.get_family():
        parent.submobjects = [m for m in parent.submobjects if m is first or m not in glyphs[1:]]
    # a group left with no glyph under it (MathTex's parts) is dropped too
    for parent in text.get_family():
        parent.submobjects = [m for m in parent.submobjects if m.has_points() or m.get_family()[1:]]
    return True


def merge_glyphs(mob: VMobject) -> VMobject:
    """Merge the glyphs of every text under ``mob`` (itself included); returns ``mob``."""
    for m in list(mob.get_family()):
        if isinstance(m, TEXT_KINDS):
            merge_paths(m)
    return mob
