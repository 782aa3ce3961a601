"""The step taken apart (issue 18): parts read from the recorded state add up to the step the run took,
equal torch's buffers, and match the closed forms the narration tells (Adam's and RMSprop's first steps)."""

import numpy as np
import pytest

import optmath
from optmath.step_parts import step_parts, vector_scale

torch = pytest.importorskip("torch")
torch.set_default_dtype(torch.float64)


@pytest.mark.parametrize("name, hyper", [("momentum", dict(lr=0.08, momentum=0.8)),
                                         ("nesterov", dict(lr=0.05, momentum=0.5)),
                                         ("sgd", dict(lr=0.1, momentum=0.9))])
@pytest.mark.parametrize("k", [1, 2, 7, 30])
def test_momentum_s_share_plus_the_gradient_step_is_the_step(name, hyper, k):
    t = optmath.trajectory("bowl", name, (-5.0, -2.0), 30, **hyper)
    p = step_parts(t, k)
    assert np.allclose(p.gradient + p.momentum, p.step, rtol=1e-12, atol=1e-15)
    assert np.array_equal(p.gradient, -hyper["lr"] * t.grad[k - 1]) and np.array_equal(p.at, t.xy[k - 1])


@pytest.mark.parametrize("k", [2, 5, 20])
def test_momentum_s_share_is_lr_mu_times_torch_s_buffer_before_the_step(k):
    lr, mu = 0.08, 0.8
    t = optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 20, lr=lr, momentum=mu)
    x = torch.tensor([-5.0, -2.0], requires_grad=True)
    opt = torch.optim.SGD([x], lr=lr, momentum=mu)
    for _ in range(k - 1):
        opt.zero_grad()
        (0.1 * x[0] ** 2 + 2 * x[1] ** 2).backward()
        opt.step()
    buffer = opt.state[x]["momentum_buffer"].detach().numpy()
    assert np.allclose(step_parts(t, k).momentum, -lr * mu * buffer, rtol=1e-12)


@pytest.mark.parametrize("name, hyper", [("adam", dict(lr=0.05)), ("adam", dict(lr=0.1, betas=(0.8, 0.99))),
                                         ("rmsprop", dict(lr=0.01))])
@pytest.mark.parametrize("k", [1, 3, 25])
def test_an_adaptive_step_is_its_direction_stretched_per_coordinate(name, hyper, k):
    t = optmath.trajectory("cubic", name, (1.0, -0.5), 25, **hyper)
    p = step_parts(t, k)
    assert np.allclose(p.direction * p.stretch, p.step, rtol=1e-10, atol=1e-15)


def test_adam_s_first_step_on_the_saddle_is_two_thirds_of_lr_where_the_slope_is_twice_epsilon():
    """The saddle's narration: the slope in y is 2e-8 = 2 eps, so the first step in y is 2/3 of lr, and a
    coordinate with a slope well above eps steps by lr itself."""
    lr = 0.05
    t = optmath.trajectory("saddle", "adam", (0.2, 1e-8), 3, lr=lr)
    p = step_parts(t, 1)
    g = t.grad[0]
    assert np.allclose(p.stretch, 1 / (np.abs(g) + 1e-8), rtol=1e-12)  # m_hat = g, v_hat = g^2 at step 1
    assert p.step[1] == pytest.approx(lr * 2 / 3, rel=1e-9) and p.step[0] == pytest.approx(-lr, rel=1e-6)


def test_rmsprop_s_first_step_is_ten_times_lr_at_alpha_0_99():
    t = optmath.trajectory("bowl", "rmsprop", (-5.0, -2.0), 2, lr=0.01)
    p = step_parts(t, 1)
    assert np.allclose(np.abs(p.step), 0.01 / np.sqrt(0.01), rtol=1e-6)  # lr / sqrt(1 - alpha)


def test_a_step_outside_the_run_is_refused_and_others_get_the_plain_parts():
    t = optmath.trajectory("bowl", "adagrad", (-5.0, -2.0), 4, lr=0.1)
    with pytest.raises(ValueError, match="choose 1..4"):
        step_parts(t, 0)
    p = step_parts(t, 2)
    assert p.momentum is None and p.stretch is None and np.array_equal(p.step, t.xy[2] - t.xy[1])


def test_a_scheduled_run_uses_each_step_s_own_rate():
    s = optmath.get_schedule("step", step_size=2, gamma=0.1)
    t = optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 5, lr=0.1, momentum=0.5, schedule=s)
    p = step_parts(t, 4)
    assert p.lr == pytest.approx(t.lr[4]) and np.allclose(p.gradient + p.momentum, p.step, rtol=1e-12)


def test_the_drawing_scale_is_round_and_keeps_the_longest_arrow_within_its_share():
    t = optmath.trajectory("saddle", "adam", (0.2, 1e-8), 3, lr=0.05)
    parts = [step_parts(t, 1)]
    scale = vector_scale(parts, 3.0)
    longest = max(np.linalg.norm(v) for v in (parts[0].gradient, parts[0].step, parts[0].direction))
    assert longest * scale <= 0.2 * 3.0 and longest * scale * 2.5 > 0.2 * 3.0
    assert scale / 10 ** np.floor(np.log10(scale)) in (1, 2, 5)


def test_plain_descent_s_step_is_its_gradient_step():
    t = optmath.trajectory("cubic", "sgd", (1.0, -0.5), 10, lr=0.1)
    for k in (1, 5, 10):
        p = step_parts(t, k)
        assert p.momentum is None and p.stretch is None
        assert np.allclose(p.gradient, p.step, rtol=1e-12, atol=1e-15)
