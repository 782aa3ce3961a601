"""Chinese captions break between words, never inside one (为什么 is not cut into 为什 | 么).

The 9:16 clip burns word-highlighted captions with libass, which breaks a run of Chinese between any two
characters. ``scenes.publish`` finds the words (``language.zh_words``, jieba), chooses the chunks and the
line breaks itself, writes them as ``\\N`` and turns libass's own wrapping off (``\\q2``). These tests
read the ASS text; English captions stay exactly as libass wrapped them before.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from scenes.language import tokens, zh_words
from scenes.publish import _chunks, ass_captions, write_srt_chunks

ROOT = Path(__file__).resolve().parents[1]
HIGHLIGHT_TAG = r"\1c&H42E4F0&"
FONT = "Noto Sans CJK SC"
# the 9:16 clip at 480p: 480 x 854, the caption box in the lower part of the frame
W, H = 480, 854
NARROW = (40, 600, 300, 840)  # wide enough for about eight characters: a 12-character chunk needs two lines


def _cue(text: str, start: float = 0.0, step: float = 0.25) -> dict:
    units = tokens(text, "zh")
    return {"start": start, "end": start + step * len(units), "text": text,
            "words": [{"text": u, "start": start + step * i, "end": start + step * (i + 1)}
                      for i, u in enumerate(units)]}


def _events(ass: str) -> list[str]:
    return [line.split(",", 9)[9] for line in ass.splitlines() if line.startswith("Dialogue:")]


def _lines(text: str) -> list[str]:
    """An event's text as the lines libass draws: override blocks removed, split at the \\N we wrote."""
    return re.sub(r"(?<!\\)\{[^}]*\}", "", text).split(r"\N")


def _inside_a_word(left: str, right: str) -> bool:
    """Whether the cut between ``left`` and ``right`` falls inside one of jieba's words of the two joined."""
    at, cut = 0, len(left)
    for w in zh_words(left + right):
        if at < cut < at + len(w):
            return True
        at += len(w)
    return False


def test_the_question_is_split_across_lines_between_words():
    text = "为什么动量法在这里更快？"
    ass = ass_captions([_cue(text)], W, H, NARROW, font=FONT, font_px=40, words_per_chunk=12)
    events = _events(ass)
    assert len(events) == len(tokens(text, "zh"))  # one event per timed character, as before
    for event in events:
        assert event.startswith(r"{\q2")  # libass does not wrap: only our breaks
        lines = _lines(event)
        assert len(lines) >= 2, lines  # the box is too narrow for one line at this size
        assert "".join(lines) == text
        assert any("为什么" in line for line in lines)  # never 为什 | 么
        for a, b in zip(lines, lines[1:]):
            assert not _inside_a_word(a, b), (a, b)
    # the lit unit is still the timed character, in order
    lit = [re.search(re.escape(HIGHLIGHT_TAG) + r"\}(.*?)(?<!\\)\{", e).group(1) for e in events]
    assert lit == tokens(text, "zh")


def test_jieba_finds_the_words_of_the_lecture():
    assert zh_words("为什么动量法在这里更快？") == ["为什么", "动量法", "在", "这里", "更", "快", "？"]
    assert "学习率" in zh_words("学习率为0.0005时")  # a term of the lecture, whole
    assert zh_words("plain text") == ["plain text"]


def test_the_saddle_clip_s_first_caption_keeps_why_whole():
    """The saddle clip's hook, 14 characters for 12-character chunks: it was 梯度下降为什 | 么会卡在鞍点上？"""
    text = "梯度下降为什么会卡在鞍点上？"
    assert [c.text for c in _chunks([_cue(text)], 12)] == ["梯度下降为什么", "会卡在鞍点上？"]


def test_chunks_do_not_cut_a_word_either():
    """A cue longer than a chunk is split where a word ends, even when a word straddles the 12th character."""
    text = "梯度下降在这个狭长山谷里为什么总是来回振荡？"  # 为什么 spans characters 12 to 14
    chunks = _chunks([_cue(text)], 12)
    assert len(chunks) >= 2
    texts = [c.text for c in chunks]
    assert "".join(texts) == text
    for a, b in zip(texts, texts[1:]):
        assert not _inside_a_word(a, b), (a, b)


def _narration_zh() -> list[str]:
    """Every Chinese cue and fragment, placeholders filled with a number, tags dropped."""
    out = []
    for path in sorted(glob.glob(str(ROOT / "assets/narration/zh/*.toml"))):
        def walk(v):
            if isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, str) and re.search(r"[\u4e00-\u9fff]", v):
                out.append(re.sub(r"\{[^}]*\}", "0.25", re.sub(r"\[[a-z_]+\]", "", " ".join(v.split()))))
        walk(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    return out


def test_no_caption_of_the_chinese_narration_breaks_inside_a_word():
    """The whole Chinese narration as the clip's captions, in a phone's caption box: each line and each chunk
    ends where a word ends (a word longer than a chunk could not; there is none)."""
    texts = _narration_zh()
    assert len(texts) > 50
    cues, t = [], 0.0
    for text in texts:
        cues.append(_cue(text, t))
        t = cues[-1]["end"] + 1.0
    ass = ass_captions(cues, W, H, (24, 560, 456, 840), font=FONT, font_px=40, words_per_chunk=12)
    shown, broke = set(), 0
    for event in _events(ass):
        plain = re.sub(r"(?<!\\)\{[^}]*\}", "", event)
        if plain in shown:
            continue
        shown.add(plain)
        lines = plain.split(r"\N")
        broke += len(lines) > 1
        for a, b in zip(lines, lines[1:]):
            assert not _inside_a_word(a, b), (a, b)
    assert broke > 20  # the check saw many two-line captions
    for cue in cues:
        chunks = [c.text for c in _chunks([cue], 12)]
        for a, b in zip(chunks, chunks[1:]):
            assert not _inside_a_word(a, b), (a, b)


def test_english_captions_are_left_to_libass_as_before():
    words = "Gradient descent stalls near the saddle because the gradient there is almost zero".split()
    cue = {"start": 0.0, "end": 0.3 * len(words), "text": " ".join(words),
           "words": [{"text": w, "start": 0.3 * i, "end": 0.3 * (i + 1)} for i, w in enumerate(words)]}
    ass = ass_captions([cue], W, H, NARROW, font_px=40, words_per_chunk=4)
    assert "WrapStyle: 0" in ass
    for event in _events(ass):
        assert r"\N" not in event and r"\q2" not in event
    # the events the captions had before Chinese got its own breaks (recorded from that version)
    assert _events(ass)[:4] == [
        r"{\1c&H42E4F0&}Gradient{\1c&HFFFFFF&} descent stalls",
        r"Gradient {\1c&H42E4F0&}descent{\1c&HFFFFFF&} stalls",
        r"Gradient descent {\1c&H42E4F0&}stalls{\1c&HFFFFFF&}",
        r"{\1c&H42E4F0&}near{\1c&HFFFFFF&} the saddle",
    ]
    assert _events(ass)[-1] == r"there is almost {\1c&H42E4F0&}zero{\1c&HFFFFFF&}"


def test_the_srt_of_a_chinese_clip_keeps_words_whole(tmp_path):
    text = "梯度下降在这个狭长山谷里为什么总是来回振荡？"
    write_srt_chunks([_cue(text)], tmp_path / "c.srt", words_per_chunk=12)
    import srt

    subs = [s.content for s in srt.parse((tmp_path / "c.srt").read_text(encoding="utf-8"))]
    assert "".join(subs) == text and any("为什么" in s for s in subs)
    for a, b in zip(subs, subs[1:]):
        assert not _inside_a_word(a, b), (a, b)  # not 狭长山 | 谷


def test_jieba_is_silent_and_offline(tmp_path):
    """A fresh process with an empty temporary directory (jieba builds its cache there) and no network:
    it finds the words and prints nothing."""
    code = ("import socket\n"
            "def no(*a, **k): raise OSError('no network')\n"
            "socket.socket = no; socket.create_connection = no; socket.getaddrinfo = no\n"
            "from scenes.language import zh_words\n"
            "print('|'.join(zh_words('为什么动量法在这里更快？')))\n")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "为什么|动量法|在|这里|更|快|？"
    assert proc.stderr == ""
    assert (tmp_path / "jieba.cache").exists()  # its cache went where the temporary directory is


@pytest.mark.parametrize("text", ["为什么动量法在这里更快？"])
def test_a_one_line_chinese_caption_has_no_break(text):
    ass = ass_captions([_cue(text)], 1080, 1920, (60, 1400, 1020, 1800), font=FONT, font_px=64,
                       words_per_chunk=12)
    assert all(len(_lines(e)) == 1 for e in _events(ass))
