"""The loss surfaces of the lectures: value, gradient and Hessian in closed form.

Every function takes the two coordinates as arrays of any (broadcastable)
shape, so the same code evaluates one point, a batch of 10,000 starts, or a
plotting mesh.  Points are also accepted stacked as ``p[..., 0:2]`` through
:meth:`Surface.value`, :meth:`Surface.grad` and :meth:`Surface.hessian`,
which is the layout the optimizers use.

Gradients are analytic rather than autodiff because the videos print them on
screen and the tests compare them against finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from optmath.errors import unknown_choice

Array = np.ndarray
Fn = Callable[[Array, Array], Array]


@dataclass(frozen=True)
class Surface:
    """A named 2-D loss surface.

    ``domain`` is the plotting window ((xmin, xmax), (ymin, ymax)); ``z_range``
    the heights worth drawing (the surface is clipped there).  ``escape`` is the
    half-width of the box, around the domain's centre, that a trajectory must
    stay inside: leaving it counts as divergence, long before floats overflow.
    """

    name: str
    latex: str
    title: str
    _f: Fn = field(repr=False)
    _grad: Callable[[Array, Array], tuple[Array, Array]] = field(repr=False)
    _hess: Callable[[Array, Array], tuple[Array, Array, Array]] = field(repr=False)
    domain: tuple[tuple[float, float], tuple[float, float]]
    z_range: tuple[float, float]
    escape: float
    source: str = ""
    axis_labels: tuple[str, str] = ("x", "y")
    data: "FitData | None" = None
    spoken: str = ""  # the formula as a narrator reads it
    # draw heights on a log scale, log10(1 + f - z_min), up to the domain's highest value: for valleys
    # whose walls are thousands of times higher than their floor (Rosenbrock, Beale), which a linear
    # z_range either flattens or clips away
    log_height: bool = False

    # -- evaluation on separate coordinates -------------------------------------------------
    def f(self, x, y) -> Array:
        """Value at (x, y), broadcast over any shapes."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        return self._f(x, y)

    def df(self, x, y) -> tuple[Array, Array]:
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        return self._grad(x, y)

    def d2f(self, x, y) -> tuple[Array, Array, Array]:
        """(f_xx, f_xy, f_yy) at (x, y)."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        return self._hess(x, y)

    # -- evaluation on stacked points p[..., 2] ---------------------------------------------
    def value(self, p) -> Array:
        p = np.asarray(p, float)
        return self._f(p[..., 0], p[..., 1])

    def grad(self, p) -> Array:
        p = np.asarray(p, float)
        gx, gy = self._grad(p[..., 0], p[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    def hessian(self, p) -> Array:
        p = np.asarray(p, float)
        fxx, fxy, fyy = np.broadcast_arrays(*self._hess(p[..., 0], p[..., 1]))
        return np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)

    def __call__(self, x, y) -> Array:
        return self.f(x, y)

    # -- geometry ---------------------------------------------------------------------------
    @property
    def center(self) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.domain
        return (0.5 * (x0 + x1), 0.5 * (y0 + y1))

    def escaped(self, p) -> Array:
        """True where a point is non-finite or outside the escape box."""
        p = np.asarray(p, float)
        cx, cy = self.center
        with np.errstate(invalid="ignore"):
            inside = (np.abs(p[..., 0] - cx) <= self.escape) & (np.abs(p[..., 1] - cy) <= self.escape)
        return ~inside  # NaN compares False, so non-finite points are "outside"

    def in_domain(self, p) -> Array:
        p = np.asarray(p, float)
        (x0, x1), (y0, y1) = self.domain
        with np.errstate(invalid="ignore"):
            return (p[..., 0] >= x0) & (p[..., 0] <= x1) & (p[..., 1] >= y0) & (p[..., 1] <= y1)


def _const(v):
    return lambda x, y: np.full(np.shape(x), float(v))


def quadratic(a: float, b: float, name: str | None = None, *, title: str = "", source: str = "",
              domain=((-2.0, 2.0), (-2.0, 2.0)), z_range=None, escape: float | None = None,
              latex: str | None = None, spoken: str = "") -> Surface:
    """f = a x^2 + b y^2: the saddles and bowls, whose Hessian is diag(2a, 2b).

    Also the way to make your own: ``quadratic(0.5, 3.0)`` is a bowl of
    condition number 6 that every optimizer and analysis accepts.
    """
    a, b = float(a), float(b)
    (x0, x1), (y0, y1) = domain
    corners = [a * x * x + b * y * y for x in (x0, x1) for y in (y0, y1)] + [0.0]
    z_range = z_range or (min(corners), max(corners))
    escape = escape or 10 * max(x1 - x0, y1 - y0) / 2
    latex = latex or f"{a:g}x^2 {'+' if b >= 0 else '-'} {abs(b):g}y^2"
    name = name or f"quadratic({a:g},{b:g})"
    return Surface(
        name=name,
        latex=latex,
        title=title,
        _f=lambda x, y: a * x * x + b * y * y,
        _grad=lambda x, y: (2 * a * x, 2 * b * y),
        _hess=lambda x, y: (_const(2 * a)(x, y), _const(0)(x, y), _const(2 * b)(x, y)),
        domain=domain,
        z_range=z_range,
        escape=escape,
        source=source,
        spoken=spoken,
    )


saddle = quadratic(
    1.0, -1.0, "saddle", title="Saddle", source="seed 000 (Medina, gradient descent animation)",
    domain=((-1.5, 1.5), (-1.5, 1.5)), z_range=(-2.25, 2.25), escape=15.0,
    latex=r"x^2 - y^2", spoken="x squared minus y squared",
)
saddle_cs231n = quadratic(
    -0.5, 1.0, "saddle-cs231n", title="Saddle (CS231n)", source="CS231n-style saddle",
    domain=((-2.0, 2.0), (-2.0, 2.0)), z_range=(-2.0, 4.0), escape=20.0,
    latex=r"-\tfrac{1}{2}x^2 + y^2", spoken="minus one half x squared plus y squared",
)
bowl = quadratic(
    0.1, 2.0, "bowl", title="Elongated bowl", source="seed 004 (d2l / Berkeley STAT 157)",
    domain=((-6.0, 6.0), (-2.5, 2.5)), z_range=(0.0, 13.0), escape=60.0,
    latex=r"0.1x^2 + 2y^2", spoken="zero point one x squared plus two y squared",
)
# The same bowl turned by 45 degrees: 0.1u^2 + 2v^2 with u = (x+y)/sqrt2, v = (x-y)/sqrt2. The Hessian
# [[2.1, -1.9], [-1.9, 2.1]] has the bowl's eigenvalues 0.2 and 4, on the diagonals: gradient descent does
# exactly what it does on the bowl (rotated), the per-coordinate methods (AdaGrad, RMSprop, Adam) do not.
bowl_rotated = Surface(
    name="bowl-rotated",
    latex=r"(x - y)^2 + 0.05(x + y)^2",
    title="Elongated bowl, turned 45 degrees",
    _f=lambda x, y: 0.05 * (x + y) ** 2 + (x - y) ** 2,
    _grad=lambda x, y: (0.1 * (x + y) + 2 * (x - y), 0.1 * (x + y) - 2 * (x - y)),
    _hess=lambda x, y: (_const(2.1)(x, y), _const(-1.9)(x, y), _const(2.1)(x, y)),
    domain=((-5.5, 5.5), (-5.5, 5.5)),
    z_range=(0.0, 13.0),
    escape=60.0,
    source="seed 004's bowl, rotated 45 degrees (rotation invariance of the optimizers)",
    # read so it parses one way only ("the square of x plus y, plus ..." parses two ways aloud)
    spoken="the square of the difference x minus y, plus zero point zero five times the square of the sum x plus y",
)
bowl_nndl = quadratic(
    0.05, 1.0, "bowl-nndl", title="Elongated bowl (NNDL)", source="Deep Learning from Scratch / NNDL",
    domain=((-10.0, 10.0), (-5.0, 5.0)), z_range=(0.0, 20.0), escape=100.0,
    latex=r"\tfrac{1}{20}x^2 + y^2", spoken="x squared over twenty plus y squared",
)

cubic = Surface(
    name="cubic",
    latex=r"x^2 + y^2 + y^3 + xy",
    title="Cubic with a saddle",
    _f=lambda x, y: x * x + y * y + y * y * y + x * y,
    _grad=lambda x, y: (2 * x + y, 2 * y + 3 * y * y + x),
    _hess=lambda x, y: (_const(2)(x, y), _const(1)(x, y), 2 + 6 * y),
    domain=((-1.5, 1.5), (-1.5, 1.0)),
    z_range=(-1.0, 4.0),
    escape=15.0,
    source="seed 002 (NNDL, optimizer comparison)",
    spoken="x squared plus y squared plus y cubed plus x y",
)

rosenbrock = Surface(
    name="rosenbrock",
    latex=r"(1-x)^2 + 100\,(y - x^2)^2",
    title="Rosenbrock valley",
    _f=lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    _grad=lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    _hess=lambda x, y: (2 - 400 * (y - x * x) + 800 * x * x, -400 * x, _const(200)(x, y)),
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    z_range=(0.0, 400.0),
    escape=20.0,
    log_height=True,
    source="Rosenbrock (1960), classic optimizer benchmark",
)


def _beale_terms(x, y):
    return (1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3)


def _beale_grad(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    gx = 2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y ** 3 - 1)
    gy = 2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y * y
    return gx, gy


def _beale_hess(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    a1, a2, a3 = y - 1, y * y - 1, y ** 3 - 1  # d t_i / dx
    b1, b2, b3 = x, 2 * x * y, 3 * x * y * y  # d t_i / dy
    fxx = 2 * (a1 * a1 + a2 * a2 + a3 * a3)
    fxy = 2 * (a1 * b1 + t1 + a2 * b2 + t2 * 2 * y + a3 * b3 + t3 * 3 * y * y)
    fyy = 2 * (b1 * b1 + b2 * b2 + t2 * 2 * x + b3 * b3 + t3 * 6 * x * y)
    return fxx, fxy, fyy


beale = Surface(
    name="beale",
    latex=r"\textstyle\sum_i (c_i - x + x y^i)^2",
    title="Beale's function",
    _f=lambda x, y: sum(t * t for t in _beale_terms(x, y)),
    _grad=_beale_grad,
    _hess=_beale_hess,
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    z_range=(0.0, 100.0),
    escape=45.0,
    log_height=True,
    source="Beale (1958), classic optimizer benchmark",
)


# ---------------------------------------------------------------------------------------
# Fitting landscapes (seed 001): the loss of a two-parameter model over (a, b).
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitData:
    """The data a fitting landscape is built from, so a scene can plot the fit."""

    x: Array
    y: Array
    true_params: tuple[float, float]
    model: Callable[[Array, Array, Array], Array]  # model(a, b, x)
    model_latex: str

    def predict(self, a, b, x=None) -> Array:
        return self.model(np.asarray(a, float), np.asarray(b, float), self.x if x is None else np.asarray(x, float))


FIT_POINTS = 200
FIT_TRUE = (1.2, 2.5)
FIT_NOISE = 0.1
FIT_SEED = 2017  # fixed, so every render shows the same scatter


def _fit_data(model, latex) -> FitData:
    x = np.linspace(-1.0, 1.0, FIT_POINTS)
    noise = FIT_NOISE * np.random.default_rng(FIT_SEED).standard_normal(FIT_POINTS)
    y = model(np.float64(FIT_TRUE[0]), np.float64(FIT_TRUE[1]), x) + noise
    x.flags.writeable = False
    y.flags.writeable = False
    return FitData(x=x, y=y, true_params=FIT_TRUE, model=model, model_latex=latex)


def _fit_surface(name, title, data: FitData, parts, domain, z_range, escape) -> Surface:
    """Mean squared error of ``data.model`` over (a, b).

    ``parts(a, b, x, order)`` gives the model m and its derivatives up to ``order``
    ((m,), (m, m_a, m_b) or (m, m_a, m_b, m_aa, m_ab, m_bb)) with the data axis last, so
    reductions run over contiguous memory (and batched results equal single ones). The value
    and the gradient ask only for what they use: the sin-cos model's second derivatives were
    a third of every gradient's time, and its value needs two of the four sines and cosines
    (each term is the same expression whatever the order, so the numbers are the same bits).
    """
    X, Y = data.x, data.y

    def expand(a, b):
        return np.asarray(a)[..., None], np.asarray(b)[..., None]

    def f(a, b):
        a, b = expand(a, b)
        r = parts(a, b, X, 0)[0] - Y
        return np.mean(r * r, axis=-1)

    def grad(a, b):
        a, b = expand(a, b)
        m, ma, mb = parts(a, b, X, 1)
        r = m - Y
        return 2 * np.mean(r * ma, axis=-1), 2 * np.mean(r * mb, axis=-1)

    def hess(a, b):
        a, b = expand(a, b)
        m, ma, mb, maa, mab, mbb = parts(a, b, X, 2)
        r = m - Y
        return (
            2 * np.mean(ma * ma + r * maa, axis=-1),
            2 * np.mean(ma * mb + r * mab, axis=-1),
            2 * np.mean(mb * mb + r * mbb, axis=-1),
        )

    return Surface(
        name=name, latex=r"\tfrac{1}{n}\sum_i (" + data.model_latex + r" - y_i)^2", title=title,
        _f=f, _grad=grad, _hess=hess, domain=domain, z_range=z_range, escape=escape,
        source="seed 001 (Morvan, visualising gradient descent)", axis_labels=("a", "b"), data=data,
    )


def _linear_parts(a, b, x, order=2):
    if order == 0:
        return (a * x + b,)
    one = np.ones_like(a * x)
    if order == 1:
        return a * x + b, x * one, one
    zero = np.zeros_like(one)
    return a * x + b, x * one, one, zero, zero, zero


def _cubic_model_parts(a, b, x, order=2):
    x2, x3 = x * x, x * x * x
    if order == 0:
        return (a * x3 + b * x2,)
    one = np.ones_like(a * x)
    if order == 1:
        return a * x3 + b * x2, x3 * one, x2 * one
    zero = np.zeros_like(one)
    return a * x3 + b * x2, x3 * one, x2 * one, zero, zero, zero


def _sincos_parts(a, b, x, order=2):
    c = np.cos(a * x)
    bc = b * c
    sin_bc = np.sin(bc)
    m = sin_bc
    if order == 0:
        return (m,)
    s = np.sin(a * x)
    cos_bc = np.cos(bc)
    c_a = -s * x  # d cos(ax) / da
    ma = cos_bc * b * c_a
    mb = cos_bc * c
    if order == 1:
        return m, ma, mb
    c_aa = -c * x * x
    maa = -sin_bc * (b * c_a) ** 2 + cos_bc * b * c_aa
    mab = -sin_bc * c * b * c_a + cos_bc * c_a
    mbb = -sin_bc * c * c
    return m, ma, mb, maa, mab, mbb


fit_linear = _fit_surface(
    "fit-linear", "Fitting a line",
    _fit_data(lambda a, b, x: a * x + b, r"a x_i + b"), _linear_parts,
    domain=((-2.0, 6.0), (-2.0, 6.0)), z_range=(0.0, 30.0), escape=100.0,
)
fit_cubic = _fit_surface(
    "fit-cubic", "Fitting a cubic",
    _fit_data(lambda a, b, x: a * x ** 3 + b * x ** 2, r"a x_i^3 + b x_i^2"), _cubic_model_parts,
    domain=((-2.0, 6.0), (-2.0, 6.0)), z_range=(0.0, 10.0), escape=100.0,
)
fit_sincos = _fit_surface(
    "fit-sincos", "Fitting sin(b cos(ax))",
    _fit_data(lambda a, b, x: np.sin(b * np.cos(a * x)), r"\sin(b\cos(a x_i))"), _sincos_parts,
    domain=((-1.0, 7.0), (-1.0, 7.0)), z_range=(0.0, 2.0), escape=100.0,
)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (saddle, saddle_cs231n, bowl, bowl_rotated, bowl_nndl, cubic, rosenbrock, beale,
              fit_linear, fit_cubic, fit_sincos)
}


def get_surface(name: "str | Surface") -> Surface:
    """Look a surface up by name; a Surface passes through unchanged."""
    if isinstance(name, Surface):
        return name
    try:
        return SURFACES[name]
    except (KeyError, TypeError):
        raise unknown_choice("surface", name, SURFACES) from None
