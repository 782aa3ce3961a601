"""Claims: every sentence that asserts something is backed by a condition over optmath's numbers, checked
when the description is built, in both languages; a broken setting fails in one line."""

import numpy as np
import pytest

import optmath
from scenes import claims as c
from scenes.claims import Checker, Claim, ClaimError, sounds_like_claim
from scenes.description import LONG_FORM, Beat, Description, Run, Show
from scenes.script import Script, sentences, strip_tags, tags
from scenes.segments import SEGMENTS

LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def described():
    return {name: SEGMENTS[name].describe() for name in SEGMENTS}


@pytest.mark.parametrize("name", SEGMENTS)
def test_every_claim_of_every_segment_holds(described, name):
    d = described[name]
    assert d.verdicts is not None and d.claim_count() >= 10, d.claim_count()
    for cue, verdicts in d.verdicts.items():
        for v in verdicts:
            assert v.ok, f"{name}.{cue} [{v.claim.key}] {v.problem()}"
            if v.claim.margin:  # every combination of the runs' rates scaled by 1 -/+ margin was checked
                assert len(v.variants) == 2 ** len({k for k in v.claim.test.reads if k in d.world()
                                                     and c._perturbable(d.world()[k])})


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SEGMENTS)
def test_each_cue_carries_exactly_its_claims_in_each_language(described, name, lang):
    """One declaration serves both languages: each cue's tags are the beat's claims, no more, no fewer."""
    script = Script(name, lang=lang)
    for beat in described[name].beats:
        assert set(tags(script.cues[beat.cue])) == {cl.key for cl in beat.claims}, (lang, beat.cue)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SEGMENTS)
def test_no_sentence_claims_without_a_tag(described, name, lang, monkeypatch):
    monkeypatch.setenv("OPTVIZ_LANG", lang)
    script = Script(name, lang=lang)
    untagged = [(beat.cue, sentence) for beat in SEGMENTS[name].describe().beats
                for sentence, keys in sentences(script.tagged(beat)) if sounds_like_claim(sentence, lang) and not keys]
    assert not untagged, untagged


@pytest.mark.parametrize("lang", LANGS)
def test_tags_are_never_spoken(described, lang, monkeypatch):
    """Speech, captions and notes read the words without tags; each tag's sentence is a sentence of them."""
    monkeypatch.setenv("OPTVIZ_LANG", lang)
    for name in SEGMENTS:
        script = Script(name, lang=lang)
        for beat in SEGMENTS[name].describe().beats:
            said = script.say(beat)
            assert not tags(said) and "[" not in said, said
            claimed = script.claimed(beat)
            assert set(claimed) == {cl.key for cl in beat.claims}
            for sentence in claimed.values():
                assert all(part in said for part in sentence.split(" ") if part), (sentence, said)


def test_sentences_keep_their_tags():
    out = sentences("Momentum ends 0.01 away, closer. [closer] [calm] It flips less [flip]. 最后离最小值0.5。[a]然后。")
    assert out == [("Momentum ends 0.01 away, closer.", ["closer", "calm"]), ("It flips less.", ["flip"]),
                   ("最后离最小值0.5。", ["a"]), ("然后。", [])]
    assert strip_tags("Closer than 0.5 [closer].") == "Closer than 0.5."


def test_a_setting_that_breaks_a_sentence_fails_in_one_line(monkeypatch):
    """A teacher gives momentum a smaller rate: the bowl's 'fair race' sentence is now false."""
    from scenes.segments import bowl

    monkeypatch.setattr(bowl, "HEAVY", dict(lr=0.02, momentum=0.8))
    with pytest.raises(ClaimError) as err:
        bowl.describe()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("bowl.momentum: claim [fair] is false: ")
    assert "momentum's lr / (1 - momentum) 0.1" in message and "sgd's lr 0.4" in message


def test_a_comparison_that_flips_within_the_margin_fails(monkeypatch):
    """Adam at a rate too small to leave the saddle in time: the escape sentences fail, naming the numbers."""
    from scenes.segments import saddle

    monkeypatch.setattr(saddle, "LR_ADAM", 0.002)
    with pytest.raises(ClaimError, match=r"^saddle\.\w+: claim \[\w+\] (is false|does not hold within)"):
        saddle.describe()


def test_the_preview_cut_does_not_check_its_claims():
    d = SEGMENTS["bowl"].describe(short=True)  # twelve steps: momentum has not caught up yet
    assert d.preview and d.verdicts is None


# -- the vocabulary, on runs with known answers ------------------------------------------------------------
BOWL = optmath.get_surface("bowl")
START = (-5.0, -2.0)


def _world(**runs):
    return {k: optmath.trajectory(BOWL, opt, START, 60, **h) for k, (opt, h) in runs.items()}


def test_margin_reruns_every_combination_of_rates():
    world = _world(sgd=("sgd", dict(lr=0.4)), heavy=("momentum", dict(lr=0.08, momentum=0.8)))
    checker = Checker(world)
    v = checker.verdict(Claim("closer", c.closer("heavy", "sgd", (0, 0)), margin=0.1))
    assert v.ok and len(v.variants) == 4
    assert {tuple(sorted(x.scales.items())) for x in v.variants} == {
        (("heavy", a), ("sgd", b)) for a in (0.9, 1.1) for b in (0.9, 1.1)}
    rerun = checker.rerun("sgd", 1.1)
    np.testing.assert_array_equal(rerun.xy, optmath.trajectory(BOWL, "sgd", START, 60, lr=0.4 * 1.1).xy)


def test_a_knife_edge_claim_fails_its_margin_and_a_fragile_one_must_flip():
    """Plain descent at 0.49 settles (2/lambda_max = 0.5), at 0.539 it does not."""
    world = _world(edge=("sgd", dict(lr=0.49)), safe=("sgd", dict(lr=0.2)))
    robust = Checker(world).verdict(Claim("stays", c.never_diverges("edge"), margin=0.1))
    assert robust.holds and not robust.ok
    assert "does not hold within +/-10% of the learning rates: at lr x1.1 for edge" in robust.problem()
    fragile = Checker(world).verdict(Claim("stays", c.never_diverges("edge"), margin=0.1, fragile=True))
    assert fragile.ok
    said_fragile = Checker(world).verdict(Claim("stays", c.never_diverges("safe"), margin=0.1, fragile=True))
    assert not said_fragile.ok and "said to be fragile" in said_fragile.problem()


def test_rate_holds_at_every_step_it_is_said_to_hold():
    world = _world(sgd=("sgd", dict(lr=0.4)))
    assert Checker(world).verdict(Claim("rate", c.rate("sgd", "y", 1 - 0.4 * 4))).ok
    wrong = Checker(world).verdict(Claim("rate", c.rate("sgd", "y", -0.5)))
    assert not wrong.holds and "the largest departure from -0.5" in wrong.problem()


def test_description_check_names_segment_cue_claim_and_numbers():
    world = _world(sgd=("sgd", dict(lr=0.4)), heavy=("momentum", dict(lr=0.01, momentum=0.8)))
    runs = {k: Run(t) for k, t in world.items()}
    beat = Beat("race", Show("bowl", ("sgd", "heavy")), formats=LONG_FORM,
                claims=(Claim("closer", c.closer("heavy", "sgd", (0, 0), "the minimum")),))
    with pytest.raises(ClaimError) as err:
        Description("demo", {"bowl": BOWL}, runs, [beat]).check()
    assert str(err.value).startswith("demo.race: claim [closer] is false: heavy ends closer to the minimum than sgd -- "
                                     "heavy's distance to the minimum ")
    assert Description("demo", {"bowl": BOWL}, runs, [beat], preview=True).check().verdicts is None


def test_claim_keys_are_tags():
    with pytest.raises(ValueError, match="must be lower-case letters"):
        Claim("Closer2", c.never_diverges("x"))
    with pytest.raises(ValueError, match="fragile=True needs the margin"):
        Claim("x", c.never_diverges("x"), fragile=True)


def test_an_unknown_tag_is_a_typo(tmp_path):
    (tmp_path / "demo.toml").write_text('race = "Momentum wins. [closr]"\n')
    script = Script("demo", tmp_path, lang="en")
    beat = Beat("race", Show("bowl"), claims=(Claim("closer", c.never_diverges("x")),))
    with pytest.raises(KeyError, match=r"tagged \[closr\], a claim its description does not declare; it declares: closer"):
        script.check_tags(beat)


def test_words_about_the_lecture_order_are_checked():
    assert Checker({}).verdict(Claim("order", c.comes_after("bowl", "saddle", right_after=True))).ok
    assert not Checker({}).verdict(Claim("order", c.comes_after("saddle", "bowl"))).holds
