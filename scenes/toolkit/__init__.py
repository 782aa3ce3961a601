"""Reusable drawing parts: the surface and its fast camera, races, the update panel, the fit plot,
camera moves, colours, voices and word timings. Nothing here knows a segment's content or a format's layout."""
