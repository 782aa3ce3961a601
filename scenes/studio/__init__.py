"""``optviz studio``: tune a shot live in a local web page, then render it on the usual pipeline.

``compute`` turns a shot document into the numbers the page draws (optmath only, no Manim),
``app`` is the Starlette application (loopback by default), ``render_queue`` runs one render at a
time as ``optviz render``, and ``assets`` brings plotly.js from npm into the venv at set-up.
"""
