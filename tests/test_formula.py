"""Formula surfaces: hostile text is refused as data, accepted text matches numpy, finite
differences and optmath's own registry surfaces."""

import builtins
import math
import os
import subprocess
import time
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import optmath
from shots import formula
from shots.formula import CONSTANTS, FUNCTIONS, FormulaError, formula_surface, parse, to_latex

SQUARE = ((-2.0, 2.0), (-2.0, 2.0))
POSITIVE = ((0.5, 3.0), (0.5, 3.0))


def _forbid(name):
    def forbidden(*args, **kwargs):
        raise AssertionError(f"{name} was called while reading a formula")
    return forbidden


@pytest.fixture
def no_execution(monkeypatch):
    """Any attempt to evaluate text or run a command fails the test loudly."""
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, _forbid(name))
    monkeypatch.setattr(os, "system", _forbid("os.system"))
    monkeypatch.setattr(os, "popen", _forbid("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", _forbid("subprocess.Popen"))


# ---------------------------------------------------------------------------------------
# Refused
# ---------------------------------------------------------------------------------------
REFUSED = [
    ("__import__('os').system('ls')", "unexpected character \"'\" at position 11"),
    ("x.__class__", "unexpected character '.' at position 1"),
    ("lambda: 1", "unexpected character ':'"),
    ('os.system("ls")', "unexpected character '.' at position 2"),
    ('eval("1")', "unexpected character '\"'"),
    ("exp", "function 'exp' at position 0 must be called with parentheses"),
    ("sin(x, y)", "function 'sin' takes exactly one argument"),
    ("x y", "unexpected name 'y' at position 2"),
    ("[1, 2]", "unexpected character '['"),
    ("x; y", "unexpected character ';'"),
    ("x = 1", "unexpected character '='"),
    ("2 **", "unexpected end of formula after '**'"),
    ("(x + y", "missing ')' to close the '(' at position 0"),
    ("", "is empty"),
    ("  \t ", "is empty"),
    ("z + 1", "unknown name 'z' at position 0; allowed: x, y, pi, e, sin, cos"),
    ("f(x)", "unknown name 'f'"),
    ("x @ y", "unexpected character '@'"),
    ("x \u00b7 y", "non-ASCII character '\u00b7' (U+00B7) at position 2"),
    ("\uff58 + 1", "non-ASCII character"),
    ("x + " * 125 + "y", "is 501 characters long; the limit is 500"),
    ("(" * 51 + "x" + ")" * 51, "nesting deeper than 50 levels"),
    ("-" * 51 + "x", "nesting deeper than 50 levels"),
    ("sin(" * 51 + "x" + ")" * 51, "nesting deeper than 50 levels"),
    ("x)", "unmatched ')'"),
    ("()", "unexpected ')'"),
    ("*x", "unexpected '*'"),
    ("2 3", "unexpected number '3'"),
    ("x(1)", "unexpected '('"),
    ("__builtins__", "unknown name '__builtins__'"),
    ("x\n+ import", "unknown name 'import'"),
    ("9^9^9^9", "the constant 9^9^9 is too large"),
    ("1/0", "the constant 1/0 divides by zero"),
    ("x + log(0)", "the constant log(0) is not a real number"),
    ("(-8)^(1/3) * x", "the constant (-8)^(1/3) is not a real number"),
    ("exp(1000) + y", "the constant exp(1000) is too large"),
    ("1e999 * x", "number 1e999 at position 0 is too large"),
]


@pytest.mark.parametrize("text,needle", REFUSED)
def test_refused_with_one_line_naming_the_piece(text, needle, no_execution):
    start = time.perf_counter()
    with pytest.raises(FormulaError) as err:
        formula_surface(text, SQUARE)
    assert time.perf_counter() - start < 0.5
    message = str(err.value)
    assert "\n" not in message and message.startswith("formula ")
    assert needle in message
    assert isinstance(err.value, ValueError)


def test_refusal_happens_in_parse_too(no_execution):
    for text, needle in REFUSED:
        with pytest.raises(FormulaError) as err:
            parse(text)
        assert needle in str(err.value)


def test_messages_in_full():
    with pytest.raises(FormulaError) as err:
        parse("x + z")
    assert str(err.value) == ("formula \"x + z\": unknown name 'z' at position 4; allowed: x, y, pi, e, sin, cos, "
                              "tan, exp, log, sqrt, abs, tanh, sinh, cosh, atan, arctan")
    with pytest.raises(FormulaError) as err:
        parse("__import__('os')")
    assert str(err.value).startswith("formula \"__import__('os')\": unexpected character \"'\" at position 11; "
                                     "allowed: numbers, x, y, pi, e, sin")


def test_accepted_text_is_parsed_without_evaluating_anything(no_execution):
    tree = parse("(1.5 - x + x*y)^2 + sin(3*y)")
    assert to_latex(tree) == r"(1.5 - x + x y)^{2} + \sin(3 y)"


@pytest.mark.parametrize("value", [None, 3, b"x", ["x"]])
def test_non_text_is_refused(value):
    with pytest.raises(FormulaError, match="must be text"):
        parse(value)


@pytest.mark.parametrize("text,needle", [
    ("x/(y - y)", "x/(y - y) divides by zero everywhere"),
    ("(x - x + 9)^(9^9)", "is too large"),
    ("0^x", "the derivative of 0^x is undefined"),
])
def test_refused_after_simplification(text, needle):
    with pytest.raises(FormulaError) as err:
        formula_surface(text, SQUARE)
    assert needle in str(err.value) and "\n" not in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xyz0129.eE+-*/^() ,sinctaqrlgbpho_'\"[];=@:\\\t\n\u00e9\u2028", max_size=40))
def test_any_text_parses_or_is_refused_cleanly(text):
    try:
        node = parse(text)
    except FormulaError as err:
        assert "\n" not in str(err) and str(err).startswith("formula ")
    else:
        assert isinstance(node, formula.Node)
        to_latex(node)


# ---------------------------------------------------------------------------------------
# Accepted
# ---------------------------------------------------------------------------------------
def _at(text, x, y=0.0, domain=SQUARE):
    return float(formula_surface(text, domain).f(x, y))


@pytest.mark.parametrize("text,x,y,expected", [
    ("-x^2", 2.0, 0.0, -4.0),
    ("-x**2", 2.0, 0.0, -4.0),
    ("2^3^2", 0.0, 0.0, 512.0),
    ("2**3**2", 0.0, 0.0, 512.0),
    ("(2^3)^2", 0.0, 0.0, 64.0),
    ("2^-1", 0.0, 0.0, 0.5),
    ("x^-2", 2.0, 0.0, 0.25),
    ("3y^2", 0.0, 2.0, 12.0),
    ("2(x+y)", 0.5, 0.25, 1.5),
    ("2x y", 1.0, 1.0, None),  # "2x" is a product but "x y" is not: see test below
    ("x - y - 1", 1.0, 2.0, -2.0),
    ("x / y / 2", 8.0, 2.0, 2.0),
    ("-x*y", 2.0, 3.0, -6.0),
    ("x*-y", 2.0, 3.0, -6.0),
    ("+x - -y", 1.0, 2.0, 3.0),
    ("2^3x", 1.5, 0.0, 12.0),
    ("1e-3 * x + 2.5E4", 1000.0, 0.0, 25001.0),
    (".5x + 2.", 1.0, 0.0, 2.5),
    ("pi", 0.0, 0.0, math.pi),
    ("e", 0.0, 0.0, math.e),
    ("2pi", 0.0, 0.0, 2 * math.pi),
    ("2e", 0.0, 0.0, 2 * math.e),
    ("2e2", 0.0, 0.0, 200.0),
    ("sin(pi/2) + e^x", 0.0, 0.0, 2.0),
    ("arctan(x) - atan(x)", 0.7, 0.0, 0.0),
])
def test_precedence_and_forms(text, x, y, expected):
    if expected is None:
        with pytest.raises(FormulaError, match="unexpected name 'y'"):
            parse(text)
        return
    assert _at(text, x, y) == pytest.approx(expected, rel=1e-15, abs=1e-15)


# Random formulas, written out with every parenthesis, against a plain numpy evaluation of the
# same tree: the parser, the folding and the generated code must agree with the obvious reading.
_UNARY = {"sin": np.sin, "cos": np.cos, "atan": np.arctan, "tanh": np.tanh, "exp": np.exp,
          "neg": np.negative, "sq": np.square}
_LEAVES = st.sampled_from(["x", "y", "pi", "e", "0.5", "2", "3", "1.25", ".5", "1e-1"])
_TREES = st.recursive(
    _LEAVES,
    lambda kids: st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids)
    | st.tuples(st.sampled_from(sorted(_UNARY)), kids),
    max_leaves=10,
)


def _text(tree):
    if isinstance(tree, str):
        return tree
    if len(tree) == 3:
        op, a, b = tree
        if op == "/":
            return f"({_text(a)} / (1 + ({_text(b)})^2))"
        return f"({_text(a)} {op} {_text(b)})"
    fn, a = tree
    return {"neg": f"(-{_text(a)})", "sq": f"({_text(a)})**2"}.get(fn, f"{fn}({_text(a)})")


def _numpy(tree, x, y):
    if isinstance(tree, str):
        return {"x": x, "y": y, "pi": np.pi, "e": np.e}.get(tree) if tree in ("x", "y", "pi", "e") else float(tree)
    if len(tree) == 2:
        return _UNARY[tree[0]](_numpy(tree[1], x, y))
    op, a, b = tree[0], _numpy(tree[1], x, y), _numpy(tree[2], x, y)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / (1 + b**2)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_TREES)
@example(("exp", ("exp", ("exp", "pi"))))  # found by CI: a constant that overflows is refused, not a failure
def test_random_formulas_agree_with_numpy_and_finite_differences(tree):
    text = _text(tree)
    p = _random_points(((-1.0, 1.0), (-1.0, 1.0)), 12, seed=0)
    try:
        s = formula_surface(text, ((-1.0, 1.0), (-1.0, 1.0)), z_range=(-1.0, 1.0))
    except FormulaError as err:
        # a constant part too large for a float (exp(exp(exp(pi)))) is refused by design
        assert "too large to be a finite number" in str(err), err
        assume(False)
    reference = np.broadcast_to(_numpy(tree, p[:, 0], p[:, 1]), (12,))
    np.testing.assert_allclose(s.value(p), reference, rtol=1e-10, atol=1e-10)
    h = 1e-6
    fd = np.stack([(s.value(p + h * e) - s.value(p - h * e)) / (2 * h) for e in np.eye(2)], -1)
    scale = np.maximum(1.0, np.abs(reference))[:, None]
    assert np.all(np.abs(s.grad(p) - fd) <= 1e-5 * scale)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_equals_numpy(name):
    reference = getattr(np, {"atan": "arctan"}.get(name, name))
    s = formula_surface(f"{name}(x)", ((0.1, 1.4), (0.0, 1.0)))
    xs = np.linspace(-1.4, 1.4, 57) if name not in ("log", "sqrt") else np.linspace(0.1, 1.4, 57)
    np.testing.assert_array_equal(s.f(xs, 0.0), reference(xs))


def test_constants_and_function_names():
    assert CONSTANTS == ("pi", "e")
    assert set(FUNCTIONS) >= {"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
                              "atan", "arctan"}
    assert parse("arctan(x)") == parse("atan(x)")
    assert parse("x ** 2") == parse("x^2")
    assert parse("pi").const == math.pi and parse("2^-1").const == 0.5


def test_constants_are_folded_as_floats_quickly():
    start = time.perf_counter()
    for text in ("9^9^9^9", "10^10^10", "2^1024", "exp(exp(exp(10)))"):
        with pytest.raises(FormulaError, match="too large"):
            parse(text)
    assert parse("(1e200 * 1e-200)^10000").const == 1.0
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("text,latex", [
    ("(1.5 - x + x*y)^2 + sin(3*y)", r"(1.5 - x + x y)^{2} + \sin(3 y)"),
    ("(1-x)^2 + 100*(y - x^2)^2", r"(1 - x)^{2} + 100\,(y - x^{2})^{2}"),
    ("3y^2 + 2(x+y) - x*-y", r"3 y^{2} + 2\,(x + y) - x\,(-y)"),
    ("(x+1)*(x-1)*(x/y)", r"(x + 1)\,(x - 1) \frac{x}{y}"),
    ("2*3*x", r"2 \cdot 3 x"),
    ("x/(1+y)^2", r"\frac{x}{(1 + y)^{2}}"),
    ("(x/y)^2", r"\left(\frac{x}{y}\right)^{2}"),
    ("sqrt(x) + abs(y) - exp(x)", r"\sqrt{x} + \left|y\right| - \exp(x)"),
    ("arctan(x) * log(y)", r"\arctan(x) \log(y)"),
    ("-x^2 - (x - y) + -y", r"-x^{2} - (x - y) + (-y)"),
    ("2^-1 * pi * e", r"2^{-1} \pi e"),
    ("1e-3*x + 2.5E4", r"10^{-3} x + 2.5 \times 10^{4}"),
])
def test_latex_keeps_the_users_order(text, latex):
    assert to_latex(parse(text)) == latex
    assert formula_surface(text, POSITIVE).latex == latex


# ---------------------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------------------
DERIVATIVE_CASES = [
    ("(1.5 - x + x*y)^2 + sin(3*y)", SQUARE),
    ("abs(x - 0.3) * y^2 + abs(y) * x - abs(x*y)", SQUARE),
    ("sqrt(x) * log(y) + x/y - sqrt(x*y)^3", POSITIVE),
    ("x^y + 2^x - y^0.5 + log(x)^2", POSITIVE),
    ("exp(-x^2 - y^2) * cos(x*y) + tanh(x) - sinh(y)/cosh(x)", SQUARE),
    ("atan(x*y) + arctan(y)^2 + tan(x/3)", SQUARE),
    ("1/(1 + x^2 + y^2) + e^(x/2) * pi", SQUARE),
]


def _random_points(domain, n, seed):
    (x0, x1), (y0, y1) = domain
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], -1)


@pytest.mark.parametrize("text,domain", DERIVATIVE_CASES)
def test_gradient_and_hessian_match_central_differences(text, domain):
    s = formula_surface(text, domain)
    p = _random_points(domain, 40, seed=len(text))
    h = 1e-6
    eye = np.eye(2)
    fd_grad = np.stack([(s.value(p + h * e) - s.value(p - h * e)) / (2 * h) for e in eye], -1)
    np.testing.assert_allclose(s.grad(p), fd_grad, rtol=1e-6, atol=1e-6)
    fd_hess = np.stack([(s.grad(p + h * e) - s.grad(p - h * e)) / (2 * h) for e in eye], -1)
    H = s.hessian(p)
    np.testing.assert_allclose(H, fd_hess, rtol=1e-5, atol=1e-5)
    assert np.all(np.isfinite(H))


def test_abs_kink_has_sign_gradient_and_zero_curvature():
    s = formula_surface("abs(x) + abs(y - 1)", SQUARE)
    np.testing.assert_array_equal(s.grad([[-0.5, 2.0], [0.5, 0.0]]), [[-1.0, 1.0], [1.0, -1.0]])
    np.testing.assert_array_equal(s.hessian([[0.0, 1.0], [0.3, 0.2]]), np.zeros((2, 2, 2)))


def test_outside_the_domain_of_log_is_nan_without_warnings():
    s = formula_surface("log(x) + sqrt(y) + (-2)^x", POSITIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isnan(s.f([-1.0, 1.0, 0.5], [1.0, -1.0, 1.0])))
        gx, gy = s.grad([0.5, 1.0])
        assert np.isnan(gx) and gy == 0.5  # d/dx (-2)^x is complex: NaN, not a complex number


# ---------------------------------------------------------------------------------------
# Against optmath's registry
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"])
def test_cubic_formula_runs_like_the_registry_cubic(optimizer):
    registry = optmath.get_surface("cubic")
    s = formula_surface("x^2 + y^2 + y^3 + x*y", registry.domain)
    assert s.escape == registry.escape  # so the two diverge at the same step
    lr = 0.1 if optimizer == "sgd" else 0.05
    ours = optmath.trajectory(s, optimizer, (-1.2, 0.8), 150, lr=lr)
    theirs = optmath.trajectory(registry, optimizer, (-1.2, 0.8), 150, lr=lr)
    assert ours.diverged_at == theirs.diverged_at
    assert np.array_equal(np.isnan(ours.xy), np.isnan(theirs.xy))
    finite = ~np.isnan(theirs.xy)
    assert np.max(np.abs(ours.xy[finite] - theirs.xy[finite])) <= 1e-12


def test_rosenbrock_formula_matches_the_registry_and_finds_its_minimum():
    registry = optmath.get_surface("rosenbrock")
    s = formula_surface("(1-x)^2 + 100*(y - x^2)^2", registry.domain)
    p = _random_points(registry.domain, 200, seed=7)
    for ours, theirs in ((s.value(p), registry.value(p)), (s.grad(p), registry.grad(p)),
                         (s.hessian(p), registry.hessian(p))):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    minima = [c for c in optmath.critical_points(s) if c.kind == "min"]
    assert len(minima) == 1 and minima[0].xy == pytest.approx((1.0, 1.0), abs=1e-8)


def test_batch_trajectory_and_formula_surface_work_together():
    s = formula_surface("x^2 + 3*y^2", SQUARE)
    run = optmath.batch_trajectory(s, "adam", np.zeros((4, 1, 2)) + [1.0, -1.0], 20, lr=[0.01, 0.1, 0.2])
    one = optmath.trajectory(s, "adam", (1.0, -1.0), 20, lr=0.1)
    assert run.batch_shape == (4, 3) and np.array_equal(run[2, 1].xy, one.xy)


# ---------------------------------------------------------------------------------------
# Shapes, determinism, the surface's fields
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["x^2 + 3*x*y", "sin(x) * exp(y)", "7", "x"])
def test_every_output_has_the_input_shape(text):
    s = formula_surface(text, SQUARE)
    outputs = [s.f(0.3, -0.2), *s.df(0.3, -0.2), *s.d2f(0.3, -0.2)]
    for out in outputs:
        assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    X, Y = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 5))
    for out in [s.f(X, Y), *s.df(X, Y), *s.d2f(X, Y), s._f(X, Y), *s._hess(X, Y)]:
        assert out.shape == (5, 7) and out.dtype == np.float64 and out.flags.writeable
    assert s.f(np.zeros((5, 1)), np.zeros((1, 7))).shape == (5, 7)
    p = np.zeros((2, 3, 4, 2))
    assert s.value(p).shape == (2, 3, 4) and s.grad(p).shape == (2, 3, 4, 2)
    assert s.hessian(p).shape == (2, 3, 4, 2, 2)


def test_constant_hessian_entries_are_full_arrays():
    s = formula_surface("x^2 + 3*x*y", SQUARE)
    X = np.zeros((5, 7))
    fxx, fxy, fyy = s.d2f(X, X)
    np.testing.assert_array_equal(fxx, np.full((5, 7), 2.0))
    np.testing.assert_array_equal(fxy, np.full((5, 7), 3.0))
    np.testing.assert_array_equal(fyy, np.zeros((5, 7)))
    fxx[0, 0] = 99.0  # a copy, not a shared constant
    assert s.d2f(X, X)[0][0, 0] == 2.0


def test_same_formula_same_bits():
    text = "(1.5 - x + x*y)^2 + sin(3*y) + abs(x)"
    a, b = formula_surface(text, SQUARE), formula_surface(text, SQUARE)
    p = _random_points(SQUARE, 50, seed=3)
    for fa, fb in ((a.value, b.value), (a.grad, b.grad), (a.hessian, b.hessian)):
        assert fa(p).tobytes() == fb(p).tobytes()
    assert a.z_range == b.z_range and a.latex == b.latex


def test_surface_fields_and_defaults():
    s = formula_surface("x^2 + y^2", ((-1.0, 1.0), (-2.0, 2.0)))
    assert isinstance(s, optmath.Surface) and optmath.get_surface(s) is s
    assert (s.name, s.title, s.source, s.spoken) == ("formula", "x^2 + y^2", "formula", "")
    assert s.latex == "x^{2} + y^{2}"
    assert s.domain == ((-1.0, 1.0), (-2.0, 2.0))
    assert s.z_range == (0.0, 5.0)  # min and max over the 101 x 101 grid
    assert s.escape == 10 * 4.0 / 2
    named = formula_surface("x^2 + y^2", SQUARE, (0, 3), name="bowl2", title="My bowl", escape=5)
    assert (named.name, named.title, named.z_range, named.escape) == ("bowl2", "My bowl", (0.0, 3.0), 5.0)


def test_z_range_default_edge_cases():
    assert formula_surface("3", SQUARE).z_range == (2.0, 4.0)  # a flat surface is widened by 1
    # only finite values count: log is -inf at 0 and NaN below
    lo, hi = formula_surface("log(x)", ((-1.0, 2.0), (0.0, 1.0))).z_range
    assert math.isfinite(lo) and hi == pytest.approx(math.log(2.0))
    with pytest.raises(FormulaError, match=r'formula "sqrt\(x\)" has no finite value on the domain'):
        formula_surface("sqrt(x)", ((-2.0, -1.0), (0.0, 1.0)))


@pytest.mark.parametrize("domain,needle", [
    (((1.0, 1.0), (0.0, 1.0)), "domain x range (1, 1) must have low < high"),
    (((0.0, 1.0), (2.0, -2.0)), "domain y range (2, -2) must have low < high"),
    (((0.0, float("nan")), (0.0, 1.0)), "nan"),
    (((0.0, 1.0), (0.0, float("inf"))), "inf"),
    (((0.0, "1"), (0.0, 1.0)), "'1' must be a number"),
    (((True, 1.0), (0.0, 1.0)), "True must be a number"),
    (((0.0, 1.0),), "must be ((x0, x1), (y0, y1))"),
    ((0.0, 1.0), "must be a pair"),
    (None, "must be ((x0, x1), (y0, y1))"),
])
def test_bad_domain_is_refused_naming_the_value(domain, needle):
    with pytest.raises(ValueError) as err:
        formula_surface("x + y", domain)
    assert needle in str(err.value)


@pytest.mark.parametrize("kwargs,needle", [
    ({"z_range": (1.0, 0.0)}, "z_range (1, 0) must have low < high"),
    ({"z_range": (0.0, float("nan"))}, "nan"),
    ({"escape": 0.0}, "escape 0 must be > 0"),
    ({"escape": float("inf")}, "must be finite"),
])
def test_bad_z_range_or_escape(kwargs, needle):
    with pytest.raises(ValueError) as err:
        formula_surface("x + y", SQUARE, **kwargs)
    assert needle in str(err.value)


# ---------------------------------------------------------------------------------------
# Resource limits
# ---------------------------------------------------------------------------------------
def test_limits_are_inclusive():
    assert isinstance(parse("x+" * 249 + "x"), formula.Node)  # 499 characters
    assert isinstance(parse("(" * 50 + "x" + ")" * 50), formula.Node)
    assert parse("2" + "^1" * 50).const == 2.0


@pytest.mark.parametrize("text", [
    "x" + "^x" * 50,  # a power tower: its Hessian swells past 10^5 nodes under sympy.diff
    "*".join(f"sin(x+{i}*y)" for i in range(1, 40)),
    "sin(" * 50 + "x" + ")" * 50,
    "(x+x)^1e15 + exp(" * 10 + "log(x+x)*(x+x)/x" + ")" * 10,
    "((((x+x)^1000)^1000)^1000)^1000",
])
def test_hard_formulas_compile_quickly(text):
    assert len(text) <= formula.MAX_LENGTH
    start = time.perf_counter()
    s = formula_surface(text, ((0.6, 0.9), (0.6, 0.9)), z_range=(0.0, 1.0))
    s.hessian([0.7, 0.8])
    assert time.perf_counter() - start < 2.0
