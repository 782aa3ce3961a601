"""Where a legend's or a panel's words may break: between hyperparameters, never inside a pair.

A row too wide for its slot used to shrink the whole legend (a six-entry legend read at 9 px at 480p);
wrapping the long row keeps every word at its size.
"""

from __future__ import annotations


def wrap(text: str, share: float) -> str:
    """``text`` in lines of about ``share`` of its length, broken only before a top-level bracket or after a
    comma between hyperparameters (``Adam (lr=0.05,`` / ``betas=(0.9, 0.999))``, never inside ``(0.9, 0.999)``);
    its own line breaks are kept."""
    out = []
    for line in text.split("\n"):
        cuts, depth = [], 0  # where the line may break (the next line starts there), in the whole line
        for i, ch in enumerate(line):
            if ch == " " and line[i + 1:i + 2] == "(" and depth == 0:
                cuts.append(i + 1)
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth <= 1 and line[i + 1:i + 2] == " ":
                cuts.append(i + 2)
        limit = max(8, int(len(line) * share))
        start = 0
        while len(line) - start > limit:
            fits = [c for c in cuts if start < c <= start + limit]
            if not fits:
                break
            out.append(line[start:fits[-1]].rstrip())
            start = fits[-1]
        out.append(line[start:])
    return "\n".join(out)
