"""How a number is written: one rule for every place a value shows (narration, legends, tables, labels).

A value a person would write in plain decimals stays plain (``0.0005``, ``0.001``, ``12000``); the
scientific form is for values below 1e-4 or at/above 1e6 (``1.5e-5``, ``2.5e6``), in e-form so the voice
can read it ("1.5 times ten to the minus five"; the scenes show it as ``1.5×10⁻⁵``). Trailing zeros never
show (``5.00e-4`` is ``0.0005``, ``1.50e-5`` is ``1.5e-5``). ``digits`` significant digits are kept; a
whole number below 1e6 keeps all of its digits (``12000``, not ``1.2e4``; ``1234.6`` is ``1235``), and a
fraction is not written as 1 (a beta of ``0.9999``, not ``1``: up to six digits).
"""

from __future__ import annotations

import math

SMALL = 1e-4  # below this, scientific form
LARGE = 1e6  # at or above this, scientific form
MAX_DIGITS = 6  # the most digits a fraction just below 1 gets so as not to be written as 1


def number(x: float, digits: int = 3) -> str:
    """``x`` written with ``digits`` significant digits, plain or in e-form (see the module's rule)."""
    x = float(x)
    if not math.isfinite(x):
        return f"{x:g}"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        whole = round(x)
        if abs(whole) < LARGE:
            return str(whole)
        r = float(whole)
    else:
        r = float(f"{x:.{digits}g}")  # rounded first: 9.9996e-5 is 0.0001, written plainly
        while abs(r) == 1 != abs(x) and digits < MAX_DIGITS:  # 0.9999 is not 1: a beta, a factor per step
            digits += 1
            r = float(f"{x:.{digits}g}")
    if abs(r) < SMALL or abs(r) >= LARGE:
        mantissa, exponent = f"{r:.{max(digits - 1, 0)}e}".split("e")
        return f"{_trim(mantissa)}e{int(exponent)}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(r))), 0)
    return _trim(f"{r:.{decimals}f}")


def _trim(text: str) -> str:
    """``0.000500`` -> ``0.0005``, ``1.50`` -> ``1.5``, ``2.00`` -> ``2``; ``120`` stays."""
    return text.rstrip("0").rstrip(".") if "." in text else text
