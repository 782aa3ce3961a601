"""Surfaces: analytic derivatives against finite differences, closed forms, vectorisation."""

import numpy as np
import pytest

import optmath
from optmath.surfaces import SURFACES, get_surface, quadratic


def _points(surface, n=25, seed=0):
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], -1)


@pytest.mark.parametrize("name", SURFACES)
def test_gradient_matches_central_differences(name):
    s = get_surface(name)
    p = _points(s)
    h = 1e-6
    fd = np.stack([(s.value(p + h * e) - s.value(p - h * e)) / (2 * h) for e in np.eye(2)], -1)
    scale = np.maximum(1.0, np.abs(fd))
    assert np.all(np.abs(s.grad(p) - fd) <= 1e-5 * scale)


@pytest.mark.parametrize("name", SURFACES)
def test_hessian_matches_differences_of_gradient(name):
    s = get_surface(name)
    p = _points(s, seed=1)
    h = 1e-6
    cols = [(s.grad(p + h * e) - s.grad(p - h * e)) / (2 * h) for e in np.eye(2)]
    fd = np.stack(cols, -1)
    H = s.hessian(p)
    assert np.allclose(H, np.swapaxes(H, -1, -2))
    assert np.all(np.abs(H - fd) <= 1e-4 * np.maximum(1.0, np.abs(fd)))


@pytest.mark.parametrize("name", SURFACES)
def test_vectorised_over_any_shape(name):
    s = get_surface(name)
    p = _points(s, n=24).reshape(2, 3, 4, 2)
    v, g, H = s.value(p), s.grad(p), s.hessian(p)
    assert v.shape == (2, 3, 4) and g.shape == (2, 3, 4, 2) and H.shape == (2, 3, 4, 2, 2)
    flat = p.reshape(-1, 2)
    assert np.array_equal(v.reshape(-1), np.array([s.value(q) for q in flat]))
    # x and y given separately broadcast like numpy: a mesh for plotting
    X, Y = np.meshgrid(np.linspace(*s.domain[0], 5), np.linspace(*s.domain[1], 4))
    assert s.f(X, Y).shape == (4, 5)
    lo, hi = s.z_range
    assert lo < hi


def test_closed_forms_of_the_seed_surfaces():
    x, y = 0.7, -0.3
    assert optmath.get_surface("saddle").f(x, y) == pytest.approx(x**2 - y**2)
    assert optmath.get_surface("saddle-cs231n").f(x, y) == pytest.approx(-x**2 / 2 + y**2)
    assert optmath.get_surface("bowl").f(x, y) == pytest.approx(0.1 * x**2 + 2 * y**2)
    assert optmath.get_surface("bowl-nndl").f(x, y) == pytest.approx(x**2 / 20 + y**2)
    assert optmath.get_surface("cubic").f(x, y) == pytest.approx(x**2 + y**2 + y**3 + x * y)
    assert optmath.get_surface("rosenbrock").f(1.0, 1.0) == 0.0
    assert optmath.get_surface("beale").f(3.0, 0.5) == 0.0


def test_fitting_landscapes_expose_their_data():
    for name, model in [("fit-linear", lambda a, b, x: a * x + b),
                        ("fit-cubic", lambda a, b, x: a * x**3 + b * x**2),
                        ("fit-sincos", lambda a, b, x: np.sin(b * np.cos(a * x)))]:
        s = get_surface(name)
        d = s.data
        assert d.x.shape == d.y.shape == (200,)
        assert d.x[0] == -1 and d.x[-1] == 1 and d.true_params == (1.2, 2.5)
        noise = d.y - model(1.2, 2.5, d.x)
        assert 0.07 < noise.std() < 0.13  # noise of standard deviation 0.1
        a, b = 2.0, 4.5
        assert s.f(a, b) == pytest.approx(np.mean((model(a, b, d.x) - d.y) ** 2), rel=1e-12)
        assert np.allclose(d.predict(a, b), model(a, b, d.x))
        assert s.axis_labels == ("a", "b")
    # the same data every time: it comes from a fixed seed
    assert np.array_equal(get_surface("fit-linear").data.y, get_surface("fit-linear").data.y)


def test_quadratic_builds_a_custom_bowl():
    q = quadratic(0.5, 3.0)
    assert q.f(1.0, 1.0) == 3.5
    assert np.array_equal(q.hessian([0.3, 0.2]), np.diag([1.0, 6.0]))


def test_escape_box_flags_far_and_non_finite_points():
    s = get_surface("saddle")
    flags = s.escaped(np.array([[0.0, 0.0], [0.0, 16.0], [np.nan, 0.0], [np.inf, 0.0]]))
    assert flags.tolist() == [False, True, True, True]


@pytest.mark.parametrize("bad", ["sadle", "", None, 3])
def test_unknown_surface_names_the_value_and_the_choices(bad):
    with pytest.raises(ValueError) as err:
        get_surface(bad)
    msg = str(err.value)
    assert repr(bad) in msg and "saddle" in msg and "fit-sincos" in msg


@pytest.mark.parametrize("name", ["fit-linear", "fit-cubic", "fit-sincos"])
def test_fit_value_and_gradient_are_the_bits_of_the_full_derivatives(name):
    """The value and the gradient compute only the model terms they use: the same numbers, bit for bit,
    as the second-order parts the Hessian takes (batched and single, as trajectories use them)."""
    from optmath import surfaces

    parts = {"fit-linear": surfaces._linear_parts, "fit-cubic": surfaces._cubic_model_parts,
             "fit-sincos": surfaces._sincos_parts}[name]
    s = get_surface(name)
    p = _points(s, 40)
    for a, b in ((p[:, :1], p[:, 1:]), (p[0, :1], p[0, 1:])):  # a batch and a single point, data axis last
        full = parts(a, b, s.data.x, 2)
        assert len(full) == 6
        for order, n in ((0, 1), (1, 3)):
            got = parts(a, b, s.data.x, order)
            assert len(got) == n
            for u, v in zip(got, full):
                assert np.array_equal(np.broadcast_to(u, v.shape), v)
        r = full[0] - s.data.y
        assert np.array_equal(s.f(a[..., 0], b[..., 0]), np.mean(r * r, axis=-1))
        gx, gy = s.df(a[..., 0], b[..., 0])
        assert np.array_equal(gx, 2 * np.mean(r * full[1], axis=-1)) and np.array_equal(gy, 2 * np.mean(r * full[2], axis=-1))
