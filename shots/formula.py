"""A loss surface typed as a formula, such as ``"(1.5 - x + x*y)^2 + sin(3*y)"``.

Safety design
-------------
A formula comes from a TOML file or the command line, so it is untrusted text.  It is
read as data and never evaluated:

* No ``eval``, ``exec``, ``compile``, ``sympy.sympify``, ``parse_expr`` or ``S()`` ever
  sees the text (all of them end in ``eval``).  A tokenizer written here accepts only
  ASCII numbers, the names in ``VARIABLES``, ``CONSTANTS`` and ``FUNCTIONS``, the
  operators ``+ - * / ^ **``, parentheses and (only to say "one argument") a comma.
  Any other character is refused, by position, before parsing starts.
* A precedence-climbing parser turns the tokens into a tree of six tiny frozen
  dataclasses (``Num``, ``Var``, ``Const``, ``Neg``, ``BinOp``, ``Call``).  A name can
  only become one of those nodes, so no user identifier ever reaches SymPy or Python.
* The tree is turned into SymPy with constructors (``sympy.Add``, ``sympy.sin``, ...)
  over the fixed symbols x and y.  ``sympy.lambdify`` then generates and ``exec``-s
  Python code, but from those SymPy expressions, whose leaves are x, y, numbers and
  temporaries named here; by then the text has long been reduced to a tree.

Resource limits
---------------
* At most 500 characters and 50 levels of nesting (parentheses, calls, signs and
  powers each count), so every recursion is shallow and the parse is linear.
* Constant sub-expressions are folded with Python floats while parsing, so ``9^9^9^9``
  is refused as an overflow at once instead of becoming a giant exact integer; a
  constant that is not a finite real number (``1/0``, ``log(0)``, ``exp(1000)``) is refused.
* Derivatives are exact, but built node by node as straight-line code (see "SymPy"
  below), so their size is linear in the formula's: ``sympy.diff`` of the whole
  expression needs 10-35 s for the Hessian of a power tower or a product of 40 sines.
* SymPy keeps numbers exact and its automatic simplifications can raise an exact number
  to an exact power (``(x + x)^n`` becomes ``2^n x^n``, ``exp(n log u)`` becomes ``u^n``);
  nested, that never finishes.  Only integers up to 10**4 stay exact; every other number
  is a 17-digit ``Float`` (enough to round-trip a double), as is any exact number SymPy
  grows past that limit, and as SymPy only ever sees one operation at a time, nothing
  compounds.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from numbers import Real

import numpy as np
import sympy as sp

from optmath.surfaces import Surface

__all__ = [
    "CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "VARIABLES", "BinOp", "Call", "Const", "FormulaError",
    "Neg", "Node", "Num", "Var", "formula_surface", "parse", "to_latex",
]

VARIABLES = ("x", "y")
CONSTANTS = ("pi", "e")
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan", "arctan")
ALIASES = {"arctan": "atan"}  # spelling -> the name the tree keeps
MAX_LENGTH = 500
MAX_DEPTH = 50

_CONSTANT_VALUES = {"pi": math.pi, "e": math.e}
_ALLOWED_NAMES = ", ".join(VARIABLES + CONSTANTS + FUNCTIONS)
_ALLOWED = f"allowed: numbers, {_ALLOWED_NAMES}, + - * / ^ ** and ( )"
_OPERAND = "expected a number, x, y, pi, e, a function call such as sin(x), or '('"
_EXACT_LIMIT = 10**4  # larger numbers are Floats in SymPy: see the module docstring


class FormulaError(ValueError):
    """A formula that is refused; the message is one line naming the offending piece."""


# ---------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """Base of the tree's nodes.

    ``span`` is where the node was in the text (for messages) and ``const`` its value
    when it is a constant sub-expression (folded while parsing); neither takes part in
    equality, so the same formula typed with other spacing gives an equal tree.
    """

    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False, kw_only=True)
    const: float | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Num(Node):
    value: float
    text: str  # as typed, so the LaTeX shows "1.5" and not 1.5000000000000000


@dataclass(frozen=True)
class Var(Node):
    name: str  # "x" or "y"


@dataclass(frozen=True)
class Const(Node):
    name: str  # "pi" or "e"


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class BinOp(Node):
    op: str  # one of + - * / ^  ("**" is stored as "^")
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str  # a name of FUNCTIONS, aliases resolved ("arctan" -> "atan")
    arg: Node


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg):
        return (node.arg,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, Call):
        return (node.arg,)
    return ()


def _operation(node: Node) -> str:
    """The key of ``_FOLD`` and ``_SYMPY`` for a node with children."""
    if isinstance(node, Neg):
        return "neg"
    if isinstance(node, BinOp):
        return node.op
    return node.func


# ---------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------
def _quote(text: str) -> str:
    """The formula as it appears in messages: JSON-escaped, so always one line, and short."""
    return json.dumps(text if len(text) <= 80 else text[:77] + "...")


def _error(text: str, detail: str, sep: str = ": ") -> FormulaError:
    """``formula "x + z": unknown name 'z' ...``; sep=" " for sentences about the whole formula."""
    return FormulaError(f"formula {_quote(text)}{sep}{detail}")


# ---------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    text: str
    start: int
    end: int

    def describe(self) -> str:
        if self.kind == "end":
            return "end of formula"
        kind = {"num": "number ", "name": "name "}.get(self.kind, "")
        return f"{kind}{self.text!r} at position {self.start}"


_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_WHITESPACE = " \t\r\n"
_SINGLE = {"+": "op", "-": "op", "*": "op", "/": "op", "^": "op", "(": "(", ")": ")", ",": ","}


def _tokens(text: str) -> list[_Token]:
    """Split the whole text first, so a stray character is reported before any parsing."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WHITESPACE:
            i += 1
        elif m := _NUMBER.match(text, i):
            try:
                value = float(m.group())
            except ValueError:  # pragma: no cover - the pattern only matches float syntax
                raise _error(text, f"bad number {m.group()!r} at position {i}") from None
            if not math.isfinite(value):
                raise _error(text, f"number {m.group()} at position {i} is too large")
            out.append(_Token("num", m.group(), i, m.end()))
            i = m.end()
        elif m := _NAME.match(text, i):
            out.append(_Token("name", m.group(), i, m.end()))
            i = m.end()
        elif text.startswith("**", i):
            out.append(_Token("op", "**", i, i + 2))
            i += 2
        elif c in _SINGLE:
            out.append(_Token(_SINGLE[c], c, i, i + 1))
            i += 1
        else:
            raise _error(text, f"unexpected character {c!r} at position {i}; {_ALLOWED}")
    out.append(_Token("end", "", n, n))
    return out


# ---------------------------------------------------------------------------------------
# Constant folding with Python floats
# ---------------------------------------------------------------------------------------
def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise ZeroDivisionError
    if a < 0 and not float(b).is_integer():
        raise ValueError("a negative number to a fractional power is not real")
    return math.pow(a, b)


_FOLD: dict[str, Callable[..., float]] = {
    "neg": operator.neg, "+": operator.add, "-": operator.sub, "*": operator.mul,
    "/": operator.truediv, "^": _pow,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
    "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
    "atan": math.atan,
}
_DOMAIN_REASON = {
    "log": "the log of a number <= 0 is undefined",
    "sqrt": "the sqrt of a negative number is not real",
    "^": "a negative number to a fractional power is not real",
}


def _fold(op: str, values: list[float], text: str, span: tuple[int, int]) -> float:
    """Apply ``op`` to constants, refusing a result that is not a finite real number."""
    piece = text[span[0]:span[1]]
    try:
        result = _FOLD[op](*values)
    except ZeroDivisionError:
        raise _error(text, f"the constant {piece} divides by zero") from None
    except OverflowError:
        raise _error(text, f"the constant {piece} is too large to be a finite number") from None
    except ValueError:
        reason = _DOMAIN_REASON.get(op, "it is undefined")
        raise _error(text, f"the constant {piece} is not a real number: {reason}") from None
    if isinstance(result, complex) or not math.isfinite(result):
        raise _error(text, f"the constant {piece} is not a finite real number")
    return float(result)


# ---------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------
# Binding powers (left, right).  Left-associative operators bind their right operand one
# tighter; power is right-associative (2^3^2 = 2^9) and binds tighter than a sign, whose
# operand is read at _SIGN: -x^2 = -(x^2), while 2^-1 is allowed as an exponent.
_INFIX = {"+": (10, 11), "-": (10, 11), "*": (20, 21), "/": (20, 21), "^": (41, 40)}
_SIGN = 30


class _Parser:
    """One pass over the tokens, building (and folding) nodes as operators are reduced."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0

    # -- helpers ------------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def previous(self) -> _Token | None:
        return self.tokens[self.pos - 1] if self.pos else None

    def advance(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, detail: str) -> FormulaError:
        return _error(self.text, detail)

    def nest(self, tok: _Token) -> _Nesting:
        return _Nesting(self, tok)

    def node(self, cls, *args, start: int, end: int) -> Node:
        """Build a node and fold it when all its operands are constants."""
        span = (start, end)
        probe = cls(*args, span=span)
        kids = _children(probe)
        if not kids or any(k.const is None for k in kids):
            return probe
        value = _fold(_operation(probe), [k.const for k in kids], self.text, span)
        return cls(*args, span=span, const=value)

    # -- grammar ------------------------------------------------------------------------
    def parse(self) -> Node:
        tree = self.expression(0)
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail(f"unmatched ')' at position {tok.start}")
        if tok.kind == ",":
            raise self.fail(f"unexpected ',' at position {tok.start}; functions take one argument "
                            "and decimals are written with '.'")
        assert tok.kind == "end", tok  # the loop in expression() refuses everything else
        return tree

    def expression(self, min_bp: int) -> Node:
        """Precedence climbing: an operand, then every operator that binds at least ``min_bp``."""
        left = self.operand()
        while True:
            tok = self.peek()
            prev = self.previous()
            implicit = (tok.kind in ("name", "(") and prev is not None and prev.kind == "num"
                        and prev.end == tok.start)
            if implicit:
                op = "*"  # "3y", "2(x+y)": a number immediately followed by a name or '('
            elif tok.kind == "op":
                op = "^" if tok.text == "**" else tok.text  # one spelling of power in the tree
            elif tok.kind in ("end", ")", ","):
                return left
            elif tok.kind == "(":
                raise self.fail(f"unexpected '(' at position {tok.start}; write * before '(' to multiply "
                                "(only a function or a number goes right before it, as in sin(x) or 2(x+y))")
            else:  # a number or a name right after an operand
                raise self.fail(f"unexpected {tok.describe()}; write * between factors "
                                "(only a number directly followed by a name multiplies without it, as in 3y)")
            lbp, rbp = _INFIX[op]
            if lbp < min_bp:
                return left
            if not implicit:
                self.advance()
            if op == "^":
                with self.nest(tok):
                    right = self.expression(rbp)
            else:
                right = self.expression(rbp)
            left = self.node(BinOp, op, left, right, start=left.span[0], end=right.span[1])

    def operand(self) -> Node:
        tok = self.advance()
        if tok.kind == "num":
            value = float(tok.text)
            return Num(value, tok.text, span=(tok.start, tok.end), const=value)
        if tok.kind == "name":
            return self.name(tok)
        if tok.kind == "(":
            with self.nest(tok):
                inner = self.expression(0)
            close = self.advance()
            if close.kind == ",":
                raise self.fail(f"unexpected ',' at position {close.start}; write a product as x*y and "
                                "a decimal with '.'")
            if close.kind != ")":
                raise self.fail(f"missing ')' to close the '(' at position {tok.start}")
            # The parentheses belong to the span (for messages); the tree needs no node for them.
            return _respan(inner, tok.start, close.end)
        if tok.kind == "op" and tok.text in "+-":
            with self.nest(tok):
                arg = self.expression(_SIGN)
            if tok.text == "+":
                return _respan(arg, tok.start, arg.span[1])
            return self.node(Neg, arg, start=tok.start, end=arg.span[1])
        if tok.kind == "end":
            prev = self.previous_before_end()
            after = f" after {prev.text!r}" if prev is not None else ""
            raise self.fail(f"unexpected end of formula{after}; {_OPERAND}")
        raise self.fail(f"unexpected {tok.describe()}; {_OPERAND}")

    def previous_before_end(self) -> _Token | None:
        return self.tokens[self.pos - 2] if self.pos >= 2 else None

    def name(self, tok: _Token) -> Node:
        span = (tok.start, tok.end)
        if tok.text in VARIABLES:
            return Var(tok.text, span=span)
        if tok.text in CONSTANTS:
            return Const(tok.text, span=span, const=_CONSTANT_VALUES[tok.text])
        if tok.text not in FUNCTIONS:
            raise self.fail(f"unknown name {tok.text!r} at position {tok.start}; allowed: {_ALLOWED_NAMES}")
        func = ALIASES.get(tok.text, tok.text)
        if self.peek().kind != "(":
            raise self.fail(f"function {tok.text!r} at position {tok.start} must be called with "
                            f"parentheses, as in {tok.text}(x)")
        self.advance()
        with self.nest(tok):
            arg = self.expression(0)
        close = self.advance()
        if close.kind == ",":
            raise self.fail(f"function {tok.text!r} takes exactly one argument (',' at position {close.start})")
        if close.kind != ")":
            raise self.fail(f"missing ')' to close {tok.text}( at position {tok.start}")
        return self.node(Call, func, arg, start=tok.start, end=close.end)


class _Nesting:
    """Counts one level of nesting for the duration of a ``with`` block, refusing level 51."""

    def __init__(self, parser: _Parser, tok: _Token):
        self.parser, self.tok = parser, tok

    def __enter__(self):
        if self.parser.depth >= MAX_DEPTH:
            raise self.parser.fail(f"nesting deeper than {MAX_DEPTH} levels at position {self.tok.start} "
                                   "(parentheses, function calls, signs and powers each count)")
        self.parser.depth += 1

    def __exit__(self, *exc):
        self.parser.depth -= 1
        return False


def _respan(node: Node, start: int, end: int) -> Node:
    """The same node, remembering a wider piece of text (its parentheses or sign)."""
    kwargs = {f: getattr(node, f) for f in node.__dataclass_fields__ if f not in ("span", "const")}
    return type(node)(**kwargs, span=(start, end), const=node.const)


def parse(text: str) -> Node:
    """The tree of a formula; a FormulaError names the first thing that is not allowed."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, got {type(text).__name__} {text!r:.40}")
    if len(text) > MAX_LENGTH:
        raise _error(text, f"is {len(text)} characters long; the limit is {MAX_LENGTH}", " ")
    for i, c in enumerate(text):
        if not c.isascii():
            raise _error(text, f"non-ASCII character {c!r} (U+{ord(c):04X}) at position {i}; "
                               f"formulas are plain ASCII: {_ALLOWED}")
    if not text.strip():
        raise _error(text, "is empty; write an expression in x and y, such as x^2 + y^2", " ")
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------------------
_ATOM, _POWER, _SIGNED, _PRODUCT, _SUM = 5, 4, 3, 2, 1
_LATEX_FUNCTIONS = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\log",
                    "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "atan": r"\arctan"}


def to_latex(node: Node | str) -> str:
    r"""LaTeX of the tree, in the user's own term order: ``(1.5 - x + x y)^{2} + \sin(3 y)``.

    The tree keeps no parentheses, so they are put back only where precedence needs them;
    the user's order is kept because the tree is the user's, not SymPy's canonical form.
    """
    if isinstance(node, str):
        node = parse(node)
    return _latex(node)[0]


def _paren(s: str) -> str:
    return rf"\left({s}\right)" if "\\frac" in s else f"({s})"


def _latex_number(text: str) -> tuple[str, int]:
    mantissa, _, exponent = text.lower().partition("e")
    if mantissa.startswith("."):
        mantissa = "0" + mantissa
    mantissa = mantissa.removesuffix(".")
    if not exponent:
        return mantissa, _ATOM
    power = f"10^{{{int(exponent)}}}"
    if float(mantissa) == 1:
        return power, _POWER
    return rf"{mantissa} \times {power}", _PRODUCT


def _latex(node: Node) -> tuple[str, int]:
    """(LaTeX, precedence) of a node; the precedence tells the parent whether to parenthesise."""
    if isinstance(node, Num):
        return _latex_number(node.text)
    if isinstance(node, Var):
        return node.name, _ATOM
    if isinstance(node, Const):
        return (r"\pi" if node.name == "pi" else "e"), _ATOM
    if isinstance(node, Call):
        arg = _latex(node.arg)[0]
        if node.func == "sqrt":
            return rf"\sqrt{{{arg}}}", _ATOM
        if node.func == "abs":
            return rf"\left|{arg}\right|", _ATOM
        return _LATEX_FUNCTIONS[node.func] + _paren(arg), _ATOM
    if isinstance(node, Neg):
        arg, prec = _latex(node.arg)
        if prec < _PRODUCT or arg.startswith("-"):
            arg = _paren(arg)
        return "-" + arg, _SIGNED
    assert isinstance(node, BinOp), node
    left, lprec = _latex(node.left)
    right, rprec = _latex(node.right)
    if node.op == "^":
        if lprec < _ATOM:
            left = _paren(left)
        return f"{left}^{{{right}}}", _POWER
    if node.op == "/":
        return rf"\frac{{{left}}}{{{right}}}", _PRODUCT
    if node.op == "*":
        if lprec < _PRODUCT:
            left = _paren(left)
        if rprec < _PRODUCT or right.startswith("-"):
            right = _paren(right)
        # Side by side reads as a product (3 y, x y), with a thin space before a parenthesis as
        # in 100\,(y - x^2); two numbers side by side would read as one number, so they get a dot.
        if right[0].isdigit() or right[0] == ".":
            sep = r" \cdot "
        elif right.startswith(("(", r"\left(")):
            sep = r"\,"
        else:
            sep = " "
        return left + sep + right, _PRODUCT
    # + and -: a sum or a sign on the right keeps its parentheses (a - (b + c), a + (-b))
    if rprec <= _SUM or right.startswith("-"):
        right = _paren(right)
    return f"{left} {node.op} {right}", _SUM


# ---------------------------------------------------------------------------------------
# SymPy: exact derivatives as straight-line code
# ---------------------------------------------------------------------------------------
# sympy.diff of the whole expression swells: the Hessian of a power tower x^x^...^x or of
# a product of 40 sines is a tree of ~10^5 nodes and takes 10-35 s to build and compile.
# So each node of the tree is differentiated on its own, by SymPy, with symbols standing
# for its operands, and the chain rule (to second order) joins the pieces: every node gets
# a "jet" (f, f_x, f_y, f_xx, f_xy, f_yy) of atoms (x, y, numbers or temporaries t0, t1,
# ...), each temporary one small SymPy expression.  The code is linear in the formula's
# length, the derivatives are still exact, and since SymPy never sees a nested
# expression, its simplifications cannot blow an exact number up across levels either.
_X = sp.Symbol("x", real=True)
_Y = sp.Symbol("y", real=True)
_A = sp.Dummy("a", real=True)
_B = sp.Dummy("b", real=True)


class RealAbs(sp.Function):
    """|u| of a real u, whose derivative is sign(u).

    SymPy's Abs differentiates through re() and im() when it cannot prove its argument
    real, which gives 0/0 where the argument is 0; every value here is real where it is
    defined, so the real rule is the right one.
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return RealSign(self.args[0])


class RealSign(sp.Function):
    """sign(u).  Its derivative, a Dirac delta at 0, is taken as 0, like a subgradient."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.S.Zero


_NUMPY_NAMES = {"RealAbs": np.abs, "RealSign": np.sign}

_SYMPY: dict[str, Callable[..., sp.Expr]] = {
    "neg": lambda a: sp.Mul(sp.S.NegativeOne, a),
    "+": sp.Add,
    "-": lambda a, b: sp.Add(a, sp.Mul(sp.S.NegativeOne, b)),
    "*": sp.Mul,
    "/": lambda a, b: sp.Mul(a, sp.Pow(b, sp.S.NegativeOne)),
    "^": sp.Pow,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "abs": RealAbs, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "atan": sp.atan,
}
_BINARY = frozenset("+-*/^")

# Jet slots: 0 is the value; FIRST maps a derivative slot to its variable's index (x 0,
# y 1); SECOND maps a second-derivative slot to the two first-derivative slots it joins.
_FIRST = (1, 2)
_SECOND = {3: (1, 1), 4: (1, 2), 5: (2, 2)}
_UNDEFINED = (sp.zoo, sp.nan, sp.oo, sp.S.NegativeInfinity)

Jet = tuple  # six SymPy atoms: f, f_x, f_y, f_xx, f_xy, f_yy


@cache
def _local(op: str):
    """One operation on dummy operands, with its first and second partial derivatives."""
    params = (_A, _B) if op in _BINARY else (_A,)
    expr = _SYMPY[op](*params)
    first = tuple(sp.diff(expr, p) for p in params)
    second = tuple(tuple(sp.diff(d, q) for q in params) for d in first)
    return params, expr, first, second


def _number(value: float) -> sp.Expr:
    """Small integers exact (so x^2 differentiates to 2 x), everything else a 17-digit Float."""
    if value.is_integer() and abs(value) <= _EXACT_LIMIT:
        return sp.Integer(int(value))
    return sp.Float(value, 17)


def _tame(number: sp.Expr) -> sp.Expr:
    """An exact number SymPy grew past the limit becomes a Float, so no later power makes it huge."""
    if number.is_Rational and (abs(number.p) > _EXACT_LIMIT or number.q > _EXACT_LIMIT):
        return sp.Float(number, 17)
    return number


def _is_zero(a: sp.Expr) -> bool:
    return a.is_Number and a == 0


def _constant(value: float) -> Jet:
    z = sp.S.Zero
    return (_number(value), z, z, z, z, z)


class _Program:
    """Straight-line code: temporaries assigned in order, each from atoms and earlier ones."""

    def __init__(self, text: str):
        self.text = text
        self.assignments: list[tuple[sp.Symbol, sp.Expr]] = []
        self.known: dict[sp.Expr, sp.Symbol] = {}  # an expression seen before reuses its temporary

    def atom(self, expr: sp.Expr, what: str) -> sp.Expr:
        if expr.has(sp.DiracDelta):  # defensive: the derivative of a kink's sign is 0 off the kink
            expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
        if expr.has(*_UNDEFINED):
            raise _error(self.text, f"{what} is undefined (it divides by zero)")
        if expr.is_Number:
            return _tame(expr)
        if expr.is_Symbol:
            return expr
        temp = self.known.get(expr)
        if temp is None:
            temp = sp.Symbol(f"t{len(self.assignments)}", real=True)
            self.assignments.append((temp, expr))
            self.known[expr] = temp
        return temp

    def jet(self, node: Node) -> Jet:
        if node.const is not None:
            return _constant(node.const)
        if isinstance(node, Num):
            return _constant(node.value)
        if isinstance(node, Const):
            return _constant(_CONSTANT_VALUES[node.name])
        if isinstance(node, Var):
            one, z = sp.S.One, sp.S.Zero
            return (_X, one, z, z, z, z) if node.name == "x" else (_Y, z, one, z, z, z)
        op = _operation(node)
        kids = list(map(self.jet, _children(node)))  # one frame per level: trees are up to ~300 deep
        piece = self.text[node.span[0]:node.span[1]] or to_latex(node)
        if all(k[0].is_Number for k in kids):
            # SymPy simplified the operands to numbers (x - x is 0): fold as floats, never exactly.
            return _constant(_fold(op, [float(k[0]) for k in kids], self.text, node.span))
        if op == "/" and _is_zero(kids[1][0]):
            raise _error(self.text, f"{piece} divides by zero everywhere")
        params, expr, first, second = _local(op)
        sub = dict(zip(params, (k[0] for k in kids)))
        value = expr.xreplace(sub)
        if not value.free_symbols:  # it simplified to a constant, so its derivatives are 0
            try:
                number = float(value)
            except (TypeError, ValueError, OverflowError):
                raise _error(self.text, f"{piece} is not a finite real number") from None
            if not math.isfinite(number):
                raise _error(self.text, f"{piece} is not a finite real number")
            return _constant(number)
        out = [self.atom(value, piece)]

        what = f"the derivative of {piece}"
        d1: dict[int, sp.Expr] = {}
        d2: dict[tuple[int, int], sp.Expr] = {}

        def p1(i):
            if i not in d1:
                d1[i] = self.atom(first[i].xreplace(sub), what)
            return d1[i]

        def p2(i, j):
            if (i, j) not in d2:
                d2[i, j] = self.atom(second[i][j].xreplace(sub), what)
            return d2[i, j]

        n = len(kids)
        for slot in _FIRST:
            terms = [p1(i) * kids[i][slot] for i in range(n) if not _is_zero(kids[i][slot])]
            out.append(self.atom(sp.Add(*terms), what))
        for slot, (d, e) in _SECOND.items():
            terms = [p2(i, j) * kids[i][d] * kids[j][e] for i in range(n) for j in range(n)
                     if not _is_zero(kids[i][d]) and not _is_zero(kids[j][e])]
            terms += [p1(i) * kids[i][slot] for i in range(n) if not _is_zero(kids[i][slot])]
            out.append(self.atom(sp.Add(*terms), what))
        return tuple(out)

    def function(self, outputs: list[sp.Expr]) -> Callable:
        """A NumPy function of (x, y) computing ``outputs`` with only the temporaries they need."""
        needed = set().union(*(o.free_symbols for o in outputs))
        kept = []
        for temp, expr in reversed(self.assignments):
            if temp in needed:
                kept.append((temp, expr))
                needed |= expr.free_symbols
        kept.reverse()
        return sp.lambdify((_X, _Y), outputs, modules=[_NUMPY_NAMES, "numpy"],
                           cse=lambda exprs: (kept, exprs), docstring_limit=0)


def _as_real(value, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(value)
    if np.iscomplexobj(a):  # e.g. the log of a negative base: not a real surface there
        a = np.where(a.imag == 0, a.real, np.nan)
    return np.array(np.broadcast_to(a.astype(np.float64, copy=False), shape))


def _vectorise(fn: Callable) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]:
    """Every output as a float64 array of the inputs' broadcast shape.

    The generated code returns plain numbers for constant entries (a Hessian of 2), so
    each output is broadcast and copied, like ``optmath.surfaces._const``.  Floating-point
    warnings are silenced: outside a formula's domain (log of a negative) NaN is the
    answer, as data.
    """

    def evaluate(x, y) -> tuple[np.ndarray, ...]:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            return tuple(_as_real(v, shape) for v in fn(x, y))

    return evaluate


def _compile(tree: Node, text: str):
    """NumPy functions for the value, the gradient (f_x, f_y) and the Hessian (f_xx, f_xy, f_yy)."""
    program = _Program(text)
    jet = program.jet(tree)
    value = _vectorise(program.function([jet[0]]))
    grad = _vectorise(program.function(list(jet[1:3])))
    hess = _vectorise(program.function(list(jet[3:6])))
    return (lambda x, y: value(x, y)[0]), grad, hess


# ---------------------------------------------------------------------------------------
# The surface
# ---------------------------------------------------------------------------------------
def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{what} {value!r} must be a number")  # noqa: TRY004 (ValueError as in optmath)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} {value!r} must be finite")
    return value


def _pair(value, what: str) -> tuple[float, float]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} must be a pair (low, high)") from None
    lo, hi = _finite(lo, f"{what} low end"), _finite(hi, f"{what} high end")
    if not lo < hi:
        raise ValueError(f"{what} ({lo:g}, {hi:g}) must have low < high")
    return lo, hi


def _check_domain(domain) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        xs, ys = domain
    except (TypeError, ValueError):
        raise ValueError(f"domain {domain!r} must be ((x0, x1), (y0, y1))") from None
    return _pair(xs, "domain x range"), _pair(ys, "domain y range")


def _default_z_range(text: str, f, domain) -> tuple[float, float]:
    """Lowest and highest finite value on a 101 x 101 grid of the domain."""
    (x0, x1), (y0, y1) = domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 101), np.linspace(y0, y1, 101))
    z = f(X, Y)
    z = z[np.isfinite(z)]
    if z.size == 0:
        raise _error(text, f"has no finite value on the domain x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]", " ")
    lo, hi = float(z.min()), float(z.max())
    return (lo - 1.0, hi + 1.0) if lo == hi else (lo, hi)


def formula_surface(text: str, domain, z_range=None, *, name: str = "formula", title: str | None = None,
                    escape: float | None = None) -> Surface:
    """An ``optmath.Surface`` of a formula in x and y, with its exact gradient and Hessian.

    It behaves like the registry's surfaces in ``trajectory``, ``batch_trajectory`` and
    ``critical_points``.  Bad text raises FormulaError; a bad domain, z_range or escape
    a ValueError naming the value (FormulaError is a ValueError too).
    """
    tree = parse(text)
    domain = _check_domain(domain)
    if z_range is not None:
        z_range = _pair(z_range, "z_range")
    if escape is not None:
        escape = _finite(escape, "escape")
        if escape <= 0:
            raise ValueError(f"escape {escape:g} must be > 0")
    value, grad, hess = _compile(tree, text)
    (x0, x1), (y0, y1) = domain
    return Surface(
        name=name,
        latex=to_latex(tree),
        title=text if title is None else title,
        _f=value,
        _grad=grad,
        _hess=hess,
        domain=domain,
        z_range=z_range if z_range is not None else _default_z_range(text, value, domain),
        escape=escape if escape is not None else 10 * max(x1 - x0, y1 - y0) / 2,
        source="formula",
        spoken="",
    )
