"""Learning-rate schedules: torch.optim.lr_scheduler's rates to the bit, and optimizers run under them."""

import json
import math

import numpy as np
import pytest

import optmath
from optmath.export import to_csv, to_json
from optmath.optimizers import OPTIMIZERS, defaults, get_optimizer
from optmath.schedules import (
    SCHEDULES, CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, StepLR, get_schedule, schedule_params,
)

try:
    import torch
except ImportError:  # pragma: no cover - torch is a test dependency
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
if torch is not None:
    torch.set_default_dtype(torch.float64)  # torch keeps NAdam's mu_product in the default dtype

# Several parameter sets per schedule, including the corners of torch's recursions: a cosine
# that passes T_max and climbs back (its special branch), a milestone at 0 and a repeated one.
SCHEDULE_CASES = [
    StepLR(step_size=1, gamma=0.9),
    StepLR(step_size=7, gamma=0.3),
    StepLR(step_size=30),
    MultiStepLR(milestones=[10, 40, 70]),
    MultiStepLR(milestones=[0, 3, 3, 50], gamma=0.7),
    ExponentialLR(gamma=0.97),
    ExponentialLR(gamma=1.01),
    CosineAnnealingLR(T_max=100),
    CosineAnnealingLR(T_max=13, eta_min=0.001),
    CosineAnnealingLR(T_max=1),
    CosineAnnealingLR(T_max=40, eta_min=0.05),
    LinearLR(),
    LinearLR(start_factor=0.1, end_factor=0.9, total_iters=37),
    LinearLR(start_factor=1.0, end_factor=0.0, total_iters=80),
]
BASE_LRS = (0.1, 0.37, 1.0, 3e-4)


def torch_scheduler(schedule, opt):
    kwargs = {k: v for k, v in schedule.as_dict().items() if k != "name"}
    return getattr(torch.optim.lr_scheduler, type(schedule).__name__)(opt, **kwargs)


def torch_lrs(schedule, base_lr, steps):
    """param_groups[0]["lr"] as each optimizer.step() is called, scheduler.step() after every step."""
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch_scheduler(schedule, opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        p.grad = torch.ones(2)
        opt.step()
        sched.step()
    return np.array(out)


@needs_torch
@pytest.mark.parametrize("schedule", SCHEDULE_CASES, ids=[s.label() for s in SCHEDULE_CASES])
def test_rates_equal_torch_schedulers_bit_for_bit(schedule):
    for base in BASE_LRS:
        np.testing.assert_array_equal(schedule.lrs(base, 100), torch_lrs(schedule, base, 100), err_msg=f"base lr {base}")


def test_rates_are_torch_recursion_not_the_closed_form():
    """torch multiplies the current lr step by step: base*g*g*g is not base*g**3 in the last bits."""
    base, gamma, n = 0.1, 0.97, 100
    ours = ExponentialLR(gamma).lrs(base, n)
    closed = base * gamma ** np.arange(n)
    np.testing.assert_allclose(ours, closed, rtol=1e-13)
    assert not np.array_equal(ours, closed)
    recursive = [base]
    for _ in range(n - 1):
        recursive.append(recursive[-1] * gamma)
    np.testing.assert_array_equal(ours, recursive)


def test_documented_shapes_of_the_schedules():
    np.testing.assert_array_equal(StepLR(step_size=3, gamma=0.5).lrs(0.2, 7), [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05])
    np.testing.assert_array_equal(MultiStepLR([2, 4]).lrs(1.0, 5), [1.0, 1.0, 0.1, 0.1, 0.1 * 0.1])
    lin = LinearLR(start_factor=0.5, end_factor=1.0, total_iters=4).lrs(1.0, 7)
    np.testing.assert_allclose(lin, [0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0], rtol=1e-15)
    cos = CosineAnnealingLR(T_max=10, eta_min=0.01).lrs(0.1, 21)
    closed = 0.01 + 0.09 * (1 + np.cos(np.pi * np.arange(21) / 10)) / 2
    np.testing.assert_allclose(cos, closed, rtol=1e-12, atol=1e-15)
    assert cos[0] == 0.1 and cos[10] == pytest.approx(0.01) and cos[20] == pytest.approx(0.1)
    assert StepLR(step_size=3).lrs(0.1, 0).shape == (0,)


def test_array_of_base_rates_broadcasts_and_equals_single_rates():
    bases = np.array([[0.1, 0.37], [1.0, 3e-4]])
    for schedule in SCHEDULE_CASES:
        out = schedule.lrs(bases, 60)
        assert out.shape == (60, 2, 2) and out.dtype == np.float64
        for idx in np.ndindex(bases.shape):
            np.testing.assert_array_equal(out[(slice(None),) + idx], schedule.lrs(float(bases[idx]), 60))


# --- optimizers under a schedule, against torch.optim + torch.optim.lr_scheduler ---

TORCH_OPT = {
    "sgd": (lambda: torch.optim.SGD, {}), "momentum": (lambda: torch.optim.SGD, {}),
    "nesterov": (lambda: torch.optim.SGD, {"nesterov": True}), "adagrad": (lambda: torch.optim.Adagrad, {}),
    "rmsprop": (lambda: torch.optim.RMSprop, {}), "adadelta": (lambda: torch.optim.Adadelta, {}),
    "adam": (lambda: torch.optim.Adam, {}), "amsgrad": (lambda: torch.optim.Adam, {"amsgrad": True}),
    "adamw": (lambda: torch.optim.AdamW, {}),
    "adamax": (lambda: torch.optim.Adamax, {}), "nadam": (lambda: torch.optim.NAdam, {}),
}

OPT_CASES = [
    ("sgd", {"weight_decay": 0.05}),
    ("momentum", {"momentum": 0.9}),
    ("momentum", {"momentum": 0.5, "dampening": 0.2}),
    ("nesterov", {"momentum": 0.8}),
    ("adagrad", {}),
    ("adagrad", {"lr_decay": 0.05, "weight_decay": 0.01}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True, "momentum": 0.5}),
    ("adam", {}),
    ("amsgrad", {}),
    ("adamw", {"weight_decay": 0.5}),
    ("adadelta", {"lr": 1.0}),
    ("adamax", {}),
    ("nadam", {}),
    ("nadam", {"weight_decay": 0.05, "decoupled_weight_decay": True}),
]

RUN_SCHEDULES = [
    StepLR(step_size=15, gamma=0.3),
    MultiStepLR(milestones=[10, 25, 25], gamma=0.5),
    ExponentialLR(gamma=0.95),
    CosineAnnealingLR(T_max=20, eta_min=0.005),
    LinearLR(start_factor=0.25, total_iters=20),
]

RUNS = {"cubic": [(-1.2, 0.8), (0.5, -0.3)], "bowl": [(-5.0, -2.0), (4.0, 1.0)]}
STEPS = 60


def torch_run(surface, name, hyper, schedule, start, steps):
    cls, fixed = TORCH_OPT[name]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls()([p], **{**defaults(name), **hyper, **fixed})
    sched = torch_scheduler(schedule, opt)
    xs, lrs = [p.detach().numpy().copy()], []
    for _ in range(steps):
        with np.errstate(all="ignore"):  # a diverging path overflows: the run stops there
            g = surface.grad(p.detach().numpy())
        if not np.all(np.isfinite(g)):
            break
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.from_numpy(g.copy())
        opt.step()
        sched.step()
        xs.append(p.detach().numpy().copy())
    return np.array(xs), np.array(lrs)


RUN_CASES = [(n, h, s) for n, h in OPT_CASES for s in RUN_SCHEDULES]


@needs_torch
@pytest.mark.parametrize("name,hyper,schedule", RUN_CASES,
                         ids=[f"{n}{'-' + '-'.join(h) if h else ''}-{s.name}" for n, h, s in RUN_CASES])
def test_scheduled_runs_match_torch(name, hyper, schedule):
    hyper = {"lr": 0.05, **hyper}
    for surface, starts in RUNS.items():
        surf = optmath.get_surface(surface)
        ours = optmath.batch_trajectory(surf, name, np.array(starts), STEPS, schedule=schedule, **hyper)
        for i, start in enumerate(starts):
            ref_xy, ref_lr = torch_run(surf, name, hyper, schedule, start, STEPS)
            t = ours[i]
            np.testing.assert_array_equal(t.lr[1:len(ref_lr) + 1], ref_lr)  # the very rates torch used
            n = min(t.diverged_at if t.diverged_at is not None else STEPS, len(ref_xy) - 1)
            assert n >= 20
            np.testing.assert_allclose(t.xy[:n + 1], ref_xy[:n + 1], rtol=1e-10, atol=1e-12,
                                       err_msg=f"{surface} from {start}")


@needs_torch
def test_schedule_changes_the_path():
    """Guard for the test above: the schedules used there do move the points away from constant-lr runs."""
    for schedule in RUN_SCHEDULES:
        a = optmath.trajectory("cubic", "adam", (-1.2, 0.8), STEPS, lr=0.05, schedule=schedule)
        b = optmath.trajectory("cubic", "adam", (-1.2, 0.8), STEPS, lr=0.05)
        assert np.linalg.norm(a.xy[-1] - b.xy[-1]) > 1e-3, schedule


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_constant_schedule_is_the_constant_run_bit_for_bit(name):
    """A schedule that never changes the rate goes through state["lr"] and still gives the same bits."""
    lr = 1.0 if name == "adadelta" else 0.05
    plain = optmath.trajectory("cubic", name, (-1.2, 0.8), 40, lr=lr)
    flat = optmath.trajectory("cubic", name, (-1.2, 0.8), 40, lr=lr, schedule=StepLR(step_size=1000))
    np.testing.assert_array_equal(flat.xy, plain.xy)
    for key in plain.state:
        np.testing.assert_array_equal(flat.state[key], plain.state[key])
    assert plain.lr is None and plain.schedule is None
    assert np.isnan(flat.lr[0]) and np.all(flat.lr[1:] == lr)


# --- the momentum conventions under a schedule ---

START = (-5.0, -2.0)
MU, LR = 0.9, 0.1
STEP = StepLR(step_size=10, gamma=0.1)


@needs_torch
def test_sutskever_equals_torch_momentum_at_constant_lr():
    surf = optmath.get_surface("bowl")
    a = optmath.trajectory(surf, "momentum-sutskever", START, 60, lr=LR, momentum=MU)
    ref, _ = torch_run(surf, "momentum", {"lr": LR, "momentum": MU}, StepLR(step_size=1000), START, 60)
    np.testing.assert_allclose(a.xy, ref, rtol=1e-12, atol=1e-14)


@needs_torch
def test_sutskever_parts_from_torch_momentum_at_the_first_decay():
    surf = optmath.get_surface("bowl")
    a = optmath.trajectory(surf, "momentum-sutskever", START, 30, lr=LR, momentum=MU, schedule=STEP)
    b = optmath.trajectory(surf, "momentum", START, 30, lr=LR, momentum=MU, schedule=STEP)
    ref, _ = torch_run(surf, "momentum", {"lr": LR, "momentum": MU}, STEP, START, 30)
    np.testing.assert_allclose(b.xy, ref, rtol=1e-12, atol=1e-14)
    # Steps 1..10 use lr 0.1 in both: the same path.  Step 11 is the first at lr 0.01.
    np.testing.assert_allclose(a.xy[:11], b.xy[:11], rtol=1e-12, atol=1e-14)
    assert np.linalg.norm(a.xy[11] - b.xy[11]) > 1e-2
    # torch rescales the whole buffer by the new rate; the Sutskever velocity still carries 0.1*b_10:
    # step_sutskever - step_torch = mu*(lr_old - lr_new)*b_10.
    diff = (a.xy[11] - a.xy[10]) - (b.xy[11] - b.xy[10])
    np.testing.assert_allclose(diff, -MU * (0.1 - 0.01) * b.state["b"][10], rtol=1e-9)
    assert np.linalg.norm(a.xy[-1] - b.xy[-1]) > 1e-2


def _hand_loop(surface, start, lrs, step):
    surf = optmath.get_surface(surface)
    p, buf, xs = np.array(start, dtype=float), np.zeros(2), [np.array(start, dtype=float)]
    for lr in lrs:
        p, buf = step(p, buf, surf.grad(p), lr)
        xs.append(p)
    return np.array(xs), buf


def test_sutskever_under_a_schedule_is_its_formula_exactly():
    def step(p, v, g, lr):
        v = MU * v + lr * g
        return p - v, v
    t = optmath.trajectory("bowl", "momentum-sutskever", START, 30, lr=LR, momentum=MU, schedule=STEP)
    xs, v = _hand_loop("bowl", START, STEP.lrs(LR, 30), step)
    np.testing.assert_array_equal(t.xy, xs)
    np.testing.assert_array_equal(t.state["v"][-1], v)


def test_ema_under_a_schedule_is_its_formula_exactly():
    def step(p, m, g, lr):
        m = MU * m + (1 - MU) * g
        return p - lr * m, m
    t = optmath.trajectory("bowl", "momentum-ema", START, 30, lr=0.5, momentum=MU, schedule=STEP)
    xs, m = _hand_loop("bowl", START, STEP.lrs(0.5, 30), step)
    np.testing.assert_array_equal(t.xy, xs)
    np.testing.assert_array_equal(t.state["m"][-1], m)


def test_ema_keeps_following_torch_momentum_under_a_schedule_but_not_sutskever():
    """m_t = (1-mu)*b_t, and the rate multiplies m outside the buffer: under a schedule the EMA form
    still equals torch with lr' = lr*(1-mu).  Only the Sutskever form, with lr inside v, parts ways."""
    lr = 0.5
    ema = optmath.trajectory("bowl", "momentum-ema", START, 40, lr=lr, momentum=MU, schedule=STEP)
    torch_form = optmath.trajectory("bowl", "momentum", START, 40, lr=lr * (1 - MU), momentum=MU, schedule=STEP)
    sutskever = optmath.trajectory("bowl", "momentum-sutskever", START, 40, lr=lr * (1 - MU), momentum=MU,
                                   schedule=STEP)
    np.testing.assert_allclose(ema.xy, torch_form.xy, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sutskever.xy[:11], torch_form.xy[:11], rtol=1e-11, atol=1e-13)
    assert np.linalg.norm(sutskever.xy[11] - torch_form.xy[11]) > 1e-2


# --- batches, the record and export ---

@pytest.mark.parametrize("name", ["momentum-sutskever", "adam", "adagrad", "nadam", "adamw"])
def test_batch_of_base_rates_equals_single_runs_bit_for_bit(name):
    lrs = np.array([0.02, 0.05, 0.1])
    starts = np.array([[-1.2, 0.8], [0.5, -0.3]])
    sched = CosineAnnealingLR(T_max=15, eta_min=0.001)
    hyper = {"lr_decay": 0.05} if name == "adagrad" else {}
    batch = optmath.batch_trajectory("cubic", name, starts[:, None, :], 40, schedule=sched, lr=lrs, **hyper)
    assert batch.lr.shape == (2, 3, 41) and batch.xy.shape == (2, 3, 41, 2)
    for i, start in enumerate(starts):
        for j, lr in enumerate(lrs):
            one = optmath.trajectory("cubic", name, start, 40, schedule=sched, lr=float(lr), **hyper)
            np.testing.assert_array_equal(batch[i, j].xy, one.xy)
            np.testing.assert_array_equal(batch[i, j].lr, one.lr)
            for key in one.state:
                np.testing.assert_array_equal(batch[i, j].state[key], one.state[key])
            np.testing.assert_array_equal(one.lr[1:], sched.lrs(lr, 40))


def test_the_record_of_rates_survives_divergence_and_record_state_false():
    t = optmath.trajectory("bowl", "sgd", START, 30, lr=0.6, schedule=StepLR(step_size=100))
    assert t.diverged_at is not None
    assert np.all(t.lr[1:] == 0.6)
    b = optmath.batch_trajectory("bowl", "sgd", [START], 30, record_state=False, lr=0.2,
                                 schedule=ExponentialLR(0.9))
    np.testing.assert_array_equal(b.lr[0, 1:], ExponentialLR(0.9).lrs(0.2, 30))


def test_update_reads_the_rate_from_the_state_and_stays_pure():
    opt = get_optimizer("momentum", lr=0.1, momentum=0.9)
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    state = opt.init(p)
    assert "lr" not in state
    given = {**state, "lr": 0.01}
    new, s1 = opt.update(p, g, given)
    np.testing.assert_array_equal(new, p - 0.01 * g)
    assert s1["lr"] == 0.01 and given["t"] == 0 and np.all(given["b"] == 0)  # carried on, input untouched
    new2, _ = opt.update(new, g, s1)  # the rate stays until someone sets another, as in a param_group
    np.testing.assert_array_equal(new2, new - 0.01 * (0.9 * s1["b"] + g))


def test_label_and_exports_mention_the_schedule_only_when_there_is_one():
    sched = get_schedule("step", step_size=3, gamma=0.5)
    t = optmath.trajectory("bowl", "momentum", START, 6, lr=0.1, momentum=0.9, schedule=sched)
    assert t.label == "Momentum (lr=0.1, momentum=0.9) + StepLR(step_size=3, gamma=0.5)"
    header = to_csv(t).splitlines()[0].split(",")
    assert header[:7] == ["step", "x", "y", "z", "gx", "gy", "lr"]
    doc = json.loads(to_json(t))
    assert doc["schedule"] == {"name": "step", "step_size": 3, "gamma": 0.5}
    assert doc["points"][0]["lr"] is None and [r["lr"] for r in doc["points"][1:]] == [0.1] * 3 + [0.05] * 3
    plain = optmath.trajectory("bowl", "momentum", START, 6, lr=0.1, momentum=0.9)
    assert "lr" not in to_csv(plain).splitlines()[0].split(",")
    assert "schedule" not in json.loads(to_json(plain)) and "lr" not in plain.records()[0]
    assert plain.label == "Momentum (lr=0.1, momentum=0.9)"


def test_a_schedule_s_label_writes_numbers_as_the_optimizer_s_label_does():
    """One rule for every number on screen (optmath.notation): the legend said eta_min=1e-05 beside lr=1e-5."""
    sched = get_schedule("cosine", T_max=50, eta_min=1e-05)
    t = optmath.trajectory("bowl", "sgd", START, 4, lr=1e-5, schedule=sched)
    assert t.label == "SGD (lr=1e-5) + CosineAnnealingLR(T_max=50, eta_min=1e-5)"
    assert get_schedule("linear", start_factor=1 / 3, total_iters=5).label() == \
        "LinearLR(start_factor=0.333, end_factor=1, total_iters=5)"


# --- the registry and bad input ---

def test_registry_builds_by_name_with_torch_defaults():
    assert list(SCHEDULES) == ["step", "multistep", "exponential", "cosine", "linear"]
    assert get_schedule("step", step_size=30, gamma=0.1) == StepLR(30, 0.1)
    assert get_schedule("multistep", milestones=[30, 10]) == MultiStepLR((10, 30), 0.1)
    assert get_schedule("exponential", gamma=0.9) == ExponentialLR(0.9)
    assert get_schedule("cosine", T_max=50) == CosineAnnealingLR(50, 0.0)
    assert get_schedule("linear") == LinearLR(1 / 3, 1.0, 5)
    assert schedule_params("step")["gamma"] == 0.1
    s = StepLR(5)
    assert get_schedule(s) is s and optmath.get_schedule is get_schedule
    for name, cls in SCHEDULES.items():
        assert cls.name == name


def test_unknown_name_and_parameters_are_clear():
    with pytest.raises(ValueError, match=r"unknown schedule 'stepp'; choose one of: step, multistep, exponential, "
                                         r"cosine, linear"):
        get_schedule("stepp", step_size=3)
    with pytest.raises(TypeError, match=r"schedule step got an unknown parameter 'step'; it takes: step_size, gamma"):
        get_schedule("step", step=3)
    with pytest.raises(TypeError, match=r"schedule cosine needs T_max; it takes: T_max, eta_min"):
        get_schedule("cosine")
    with pytest.raises(TypeError, match="already built"):
        get_schedule(StepLR(3), gamma=0.5)


@pytest.mark.parametrize("name,kwargs,message", [
    ("step", {"step_size": 0}, r"step_size=0 must be >= 1"),
    ("step", {"step_size": 2.5}, r"step_size=2.5 must be a whole number >= 1"),
    ("step", {"step_size": True}, r"step_size=True must be a whole number"),
    ("step", {"step_size": 3, "gamma": 0}, r"gamma=0 must be > 0"),
    ("exponential", {"gamma": -0.5}, r"gamma=-0.5 must be > 0"),
    ("exponential", {"gamma": math.nan}, r"gamma=nan must be a finite number"),
    ("exponential", {"gamma": "0.9"}, r"gamma='0.9' must be a finite number"),
    ("cosine", {"T_max": 0}, r"T_max=0 must be >= 1"),
    ("cosine", {"T_max": 10, "eta_min": -0.1}, r"eta_min=-0.1 must be >= 0"),
    ("multistep", {"milestones": [5, -1]}, r"milestone=-1 must be >= 0"),
    ("multistep", {"milestones": 5}, r"milestones=5 must be a list of whole numbers"),
    ("multistep", {"milestones": [1.5]}, r"milestone=1.5 must be a whole number"),
    ("linear", {"start_factor": 0}, r"start_factor=0 must lie in \(0, 1\]"),
    ("linear", {"start_factor": 1.5}, r"start_factor=1.5 must lie in \(0, 1\]"),
    ("linear", {"end_factor": 2}, r"end_factor=2 must lie in \[0, 1\]"),
    ("linear", {"total_iters": 0}, r"total_iters=0 must be >= 1"),
])
def test_bad_values_name_the_value(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_schedule(name, **kwargs)


def test_bad_use_in_a_run_is_clear():
    with pytest.raises(TypeError, match=r"schedule='step' must be a schedule such as optmath.get_schedule"):
        optmath.trajectory("bowl", "sgd", START, 5, lr=0.1, schedule="step")
    with pytest.raises(ValueError, match=r"base lr=-0.1 must be finite and >= 0"):
        StepLR(3).lrs(-0.1, 5)
    with pytest.raises(ValueError, match=r"steps=-1 must be >= 0"):
        StepLR(3).lrs(0.1, -1)
