"""The fair-race segment: the tuning it declares, the table generated from it, the race run with it,
and every number it speaks, each against an independent computation or a closed form.

No rendering. The tuning is re-run here from a configuration typed out as the narration states it,
single trajectories re-check the batch, the Hessian at Rosenbrock's minimum is written out by hand,
and RMSprop's first step is torch's rule in closed form.
"""

from __future__ import annotations

import importlib
import re
import string

import numpy as np
import pytest

import optmath
from optmath.tuning import StartGrid, TuningConfig, decade_grid, tune
from scenes.description import LECTURE, SOCIAL, TALK, fmt, point
from scenes.script import Script
from scenes.toolkit.narration import WORDS_PER_SECOND

fr = importlib.import_module("scenes.segments.fair_race")
NAME = "fair-race"
DOMAIN = ((-2.0, 2.0), (-1.0, 3.0))
FIXED = {"sgd": {}, "momentum": {"momentum": 0.9}, "rmsprop": {}, "adam": {}}


@pytest.fixture(scope="module")
def desc():
    return fr.describe()


@pytest.fixture(scope="module")
def said(desc):
    return {b.cue: b.numbers for b in desc.beats}


@pytest.fixture(scope="module")
def declared():
    """The tuning as the narration declares it, typed out here and run again: 13 rates, 1-2-5 per decade from
    1e-4 to 1, the centres of an 8 x 8 grid over the plot, 200 steps, mean final loss."""
    starts = StartGrid(DOMAIN, 8)
    return {k: tune(TuningConfig("rosenbrock", k, decade_grid(-4, 0), starts, 200, "mean-final-loss", fixed))
            for k, fixed in FIXED.items()}


def dist_to_minimum(t):
    return float(np.linalg.norm(t.final - np.array([1.0, 1.0])))


# -- the declared tuning --------------------------------------------------------------------------------------------
def test_the_segment_tunes_as_declared(declared, said):
    for k, config in fr.configs().items():
        ref = declared[k].config
        assert (config.surface, config.optimizer, config.lrs, config.starts, config.steps, config.objective,
                dict(config.fixed)) == (ref.surface, ref.optimizer, ref.lrs, ref.starts, ref.steps, ref.objective,
                                        dict(ref.fixed))
    assert StartGrid(DOMAIN, 8).box == optmath.get_surface("rosenbrock").domain  # the plotted domain
    d = said["declare"]
    assert (d["count"], d["lo"], d["hi"], d["starts"], d["side"], d["steps"], d["runs"]) == \
        (13, "0.0001", "1", 64, 8, 200, 13 * 64)
    assert d["objective"] == Script(NAME, lang="en").fragments["mean_final_loss"] == "mean final loss"


def test_the_table_is_generated_from_the_tuning_result(desc, declared):
    table = desc.cards["table"]
    words = Script(NAME, lang="en").fragments
    assert table.header == (words["h_optimizer"], words["h_diverged"], words["h_best"], words["mean_final_loss"])
    assert table.title == "13 rates, 0.0001 to 1; 64 starts, 200 steps each"
    assert len(table.rows) == len(FIXED)
    for row, (k, r) in zip(table.rows, declared.items()):
        scores = r.scores
        best = int(np.argmin(scores))  # no ties on this grid: the argmin is the rate chosen
        assert np.sum(scores == scores[best]) == 1
        assert row[0] == optmath.optimizers.DISPLAY_NAMES[k]
        assert row[1] == str(int(np.sum(np.isinf(scores))))  # rates ruled out by a diverged start
        assert row[2] == fmt(r.config.lrs[best])
        assert row[3] == fmt(scores[best])
    best_row = min(range(len(FIXED)), key=lambda i: declared[list(FIXED)[i]].best_score)
    assert table.highlight == (best_row,)


def test_a_best_rate_scores_what_its_single_runs_say(declared):
    """Each row's score, from 64 separate optmath.trajectory runs; and the next rate up is worse or ruled out."""
    for k, r in declared.items():
        finals = [optmath.trajectory("rosenbrock", k, tuple(p), 200, lr=r.best_lr, **FIXED[k])
                  for p in r.starts]
        assert all(t.diverged_at is None for t in finals)
        assert r.best_score == pytest.approx(np.mean([t.z[-1] for t in finals]), rel=1e-12)
        if r.best_index + 1 < len(r.config.lrs):
            assert r.scores[r.best_index + 1] > r.best_score


def test_the_race_uses_each_optimizer_s_tuned_rate(desc, declared):
    for k, r in declared.items():
        tuned, untuned = desc.runs[k].trajectory, desc.runs[f"{k}_untuned"].trajectory
        assert tuned.optimizer.hyper["lr"] == r.best_lr
        assert untuned.optimizer.hyper["lr"] == optmath.defaults("adam")["lr"] == 1e-3
        for t in (tuned, untuned):
            assert t.optimizer.name == k and tuple(t.start) == fr.START and t.steps == r.config.steps
            assert all(t.optimizer.hyper[h] == v for h, v in FIXED[k].items())
    assert {k: desc.runs[k].label(brief=True) for k in FIXED} == {
        "sgd": "SGD lr=0.001", "momentum": "Momentum lr=0.0005", "rmsprop": "RMSprop lr=0.2",
        "adam": "Adam lr=0.5"}


def test_every_run_is_optmath_s_own_trajectory_and_stays_in_the_plot(desc):
    surf = optmath.get_surface("rosenbrock")
    for key, run in desc.runs.items():
        t = run.trajectory
        again = optmath.trajectory(surf, t.optimizer.name, tuple(t.start), t.steps, lr=t.optimizer.hyper["lr"],
                                   **FIXED[t.optimizer.name])
        np.testing.assert_array_equal(again.xy, t.xy, err_msg=key)
        assert t.diverged_at is None and surf.in_domain(t.xy).all(), key


# -- every number spoken ---------------------------------------------------------------------------------------------
def test_intro_numbers_are_rosenbrock_s_closed_form(said):
    # f = (1-x)^2 + 100 (y - x^2)^2: at (1, 1), f = 0 and the Hessian is [[802, -400], [-400, 200]]
    lo, hi = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))
    assert said["intro"] == dict(minimum="(1, 1)", f_min="0", l_min=fmt(lo), l_max=fmt(hi, 4))
    assert said["sgd_line"]["l_max"] == fmt(hi, 4) == "1002"


def test_untuned_race_numbers(desc, said):
    t = {k: desc.runs[f"{k}_untuned"].trajectory for k in FIXED}
    d = {k: dist_to_minimum(tr) for k, tr in t.items()}
    leader = min(d, key=d.get)
    assert leader == "momentum"  # the data: at 0.001 Momentum sweeps ahead, Adam and RMSprop hardly move
    adam = t["adam"]
    travel = sum(np.hypot(*(adam.xy[i + 1] - adam.xy[i])) for i in range(adam.steps))
    assert travel < 0.3 and d["adam"] > 2
    u = said["untuned"]
    assert u == dict(names="SGD, Momentum, RMSprop and Adam", start=point(fr.START), steps=200, lr="0.001",
                     leader="Momentum", d_leader=fmt(d["momentum"]), adam_travel=fmt(travel), d_adam=fmt(d["adam"]))


def test_the_leader_s_rate_diverges_from_some_starts(desc, said, declared):
    """Momentum at 0.001 from each of the 64 starts, one trajectory at a time."""
    starts = StartGrid(DOMAIN, 8).points()
    runs = [optmath.trajectory("rosenbrock", "momentum", tuple(p), 200, lr=1e-3, momentum=0.9) for p in starts]
    gone = [t.diverged_at is not None for t in runs]
    assert 0 < sum(gone) < 64
    assert said["sample"] == dict(leader="Momentum", starts=64, diverged=sum(gone))
    swarm = desc.swarms["default"]
    np.testing.assert_array_equal(swarm.fate, np.array(gone, int))
    np.testing.assert_array_equal(swarm.xy[~np.array(gone)], np.array([t.xy for t, g in zip(runs, gone) if not g]))
    assert [f.words for f in swarm.fates] == [f"no divergence ({64 - sum(gone)})", f"diverged ({sum(gone)})"]
    assert [f.kind for f in swarm.fates] == ["good", "bad"]
    assert swarm.title == "Momentum, lr=0.001, 64 starts"
    assert said["table"]["leader_diverged"] == sum(gone) == declared["momentum"].diverged[3]


def test_sgd_s_edge_is_the_hessian_s_bound(desc, said, declared):
    """The data's edge (the best rate, then the first to diverge) brackets 2 / lambda_max at the minimum."""
    sgd = declared["sgd"]
    bound = 2 / np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[1]
    bad = [lr for lr, s in zip(sgd.config.lrs, sgd.scores) if np.isinf(s)]
    assert sgd.best_lr < bound < min(bad)
    assert all(lr >= min(bad) for lr in bad) and all(np.isinf(s) for lr, s in zip(sgd.config.lrs, sgd.scores)
                                                      if lr >= min(bad))
    assert said["sgd_line"] == dict(first_bad=f"{min(bad):g}", best=f"{sgd.best_lr:g}", l_max="1002",
                                    bound=fmt(bound, 4))
    assert said["sgd_line"]["bound"] == "0.001997" and said["sgd_line"]["first_bad"] == "0.002"
    line = desc.cards["sgd"]
    assert line.values == sgd.config.lrs and line.log
    assert line.kinds == tuple("good" if lr == sgd.best_lr else "bad" if np.isinf(s) else "middle"
                               for lr, s in zip(sgd.config.lrs, sgd.scores))
    assert [m.value for m in line.marks] == [pytest.approx(bound, rel=1e-12)]
    assert desc.cards["grid"].values == sgd.config.lrs and set(desc.cards["grid"].kinds) == {"other"}


def test_table_beat_numbers(said, declared):
    best = min(declared, key=lambda k: declared[k].best_score)
    assert best == "adam"
    r = declared[best]
    tb = said["table"]
    assert tb["best"] == "Adam" and tb["best_score"] == fmt(r.best_score) and tb["best_lr"] == fmt(r.best_lr)
    assert tb["best_default"] == fmt(r.scores[r.config.lrs.index(1e-3)])
    assert tb["leader"] == "Momentum" and tb["leader_lr"] == fmt(declared["momentum"].best_lr) == "0.0005"
    assert declared["momentum"].best_lr < 1e-3  # tuned down: the default diverges from some starts
    assert tb["lr"] == "0.001" and tb["starts"] == 64


def test_tuned_race_numbers(desc, said, declared):
    at = {k: f"{declared[k].best_lr:g}" for k in FIXED}
    assert said["tuned"]["rates"] == \
        f"SGD at {at['sgd']}, Momentum at {at['momentum']}, RMSprop at {at['rmsprop']} and Adam at {at['adam']}"
    t = {k: desc.runs[k].trajectory for k in FIXED}
    d = {k: dist_to_minimum(tr) for k, tr in t.items()}
    winner = min(d, key=d.get)
    assert winner == "adam"
    r = said["results"]
    assert r["winner"] == "Adam" and r["d_winner"] == fmt(d["adam"])
    x, y = t["adam"].final
    assert r["f_winner"] == fmt((1 - x) ** 2 + 100 * (y - x * x) ** 2)
    assert r["d_leader"] == fmt(d["momentum"])
    assert r["d_leader_untuned"] == fmt(dist_to_minimum(desc.runs["momentum_untuned"].trajectory))
    # torch's RMSprop first step: lr g / (sqrt((1 - alpha) g^2) + eps), about lr / sqrt(0.01) = 10 lr per coordinate
    lr = declared["rmsprop"].best_lr
    g = optmath.get_surface("rosenbrock").grad(np.array(fr.START))
    step = lr * g / (np.sqrt(0.01 * g * g) + 1e-8)
    assert r["rms_jump"] == fmt(np.linalg.norm(step)) == fmt(10 * lr * np.sqrt(2))
    assert r["starts"] == 64
    s = said["social_race"]
    assert s == dict(count=13, starts=64, steps=200, objective="mean final loss", adam_lr="0.5", lr="0.001",
                     d_adam=fmt(d["adam"]))


# -- the script and the formats ----------------------------------------------------------------------------------------
def _fields(text):
    return {n for _, n, _, _ in string.Formatter().parse(text) if n}


NUMBER_WORDS = (r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand"
                r"|half|twice|double)\b")


def test_the_scripts_match_the_description_in_both_languages(desc):
    en, zh = Script(NAME, lang="en"), Script(NAME, lang="zh")
    assert {b.cue for b in desc.beats} == set(en.cues) == set(zh.cues)
    assert set(en.fragments) == set(zh.fragments)
    for b in desc.beats:
        assert set(b.numbers) == en.placeholders(b.cue) == zh.placeholders(b.cue), b.cue
    for key in en.fragments:
        assert _fields(en.fragments[key]) == _fields(zh.fragments[key]), key
    for key, text in {**en.cues, **en.fragments, "title": en.title, "hook": en.hook_title}.items():
        bare = re.sub(r"\{[a-z_0-9]+\}", "", text)
        assert not re.search(r"\d", bare) and not re.search(NUMBER_WORDS, bare, re.I), key
    for key, text in {**zh.cues, **zh.fragments, "title": zh.title, "hook": zh.hook_title}.items():
        bare = re.sub(r"\{[a-z_0-9]+\}", "", text)
        assert not re.search(r"[0-9０-９]", bare) and not re.search(r"零点|点[零一二三四五六七八九]", bare), key
    assert en.title == "A fair race" and en.hook_title.endswith("?")


def test_the_social_clip_is_short_and_loops(desc):
    script = Script(NAME, lang="en")
    social = desc.beats_for(SOCIAL)
    assert [b.cue for b in social] == ["social_hook", "social_race", "social_end"]
    assert social[0].show == social[-1].show and not social[0].show.racers
    assert social[1].show.racers == tuple(FIXED)  # the tuned race; the legend's brief labels carry the rates
    words = sum(len(script.text(b.cue, **b.numbers).split()) for b in social)
    assert words / WORDS_PER_SECOND < 25
    assert [b.cue for b in desc.beats_for(LECTURE)] == [b.cue for b in desc.beats_for(TALK)] == [
        "intro", "untuned", "sample", "declare", "sgd_line", "table", "tuned", "results", "outro"]


def test_beats_show_racers_or_a_swarm_and_cards_without_a_panel(desc):
    for b in desc.beats:
        assert not (b.show.swarm and b.show.racers) and not (b.show.card and b.show.panel)
    assert desc.surfaces["rosenbrock"].log_height


def test_chinese_words_are_chinese(monkeypatch):
    monkeypatch.setenv("OPTVIZ_LANG", "zh")
    d = fr.describe()
    said = {b.cue: b.numbers for b in d.beats}
    assert d.cards["table"].header == ("优化器", "发散的学习率", "最佳学习率", "平均最终损失")
    assert d.cards["table"].title == "13个学习率，0.0001至1；64个起点，每次200步"
    assert said["tuned"]["rates"] == "SGD用0.001、动量法用0.0005、RMSprop用0.2和Adam用0.5"
    assert said["untuned"]["names"] == "SGD、动量法、RMSprop和Adam" and said["declare"]["objective"] == "平均最终损失"
    assert d.swarms["default"].title == "动量法，学习率0.001，64个起点"
    script = Script(NAME)
    for b in d.beats:
        text = script.text(b.cue, **b.numbers)
        assert not re.search(r"\b(and|none|at|mean|diverged)\b", text), (b.cue, text)


# -- the preview cut ---------------------------------------------------------------------------------------------------
def test_short_cut_is_small():
    d = fr.describe(short=True)
    assert max(r.trajectory.steps for r in d.runs.values()) <= 12
    for c in fr.configs(short=True).values():
        assert len(c.lrs) <= 3 and c.starts.count <= 4 and c.steps <= 12 and 1e-3 in c.lrs
    assert d.swarms["default"].xy.shape[0] <= 4 and d.swarms["default"].steps <= 12
    assert all(len(row) == 4 for row in d.cards["table"].rows)
