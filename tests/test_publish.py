"""scenes.publish: what a viewer's player and a platform's checks would measure on the files we post.

Inputs are made by ffmpeg itself (testsrc2 + tones) and every claim is checked by
measurement: loudness with ebur128, codecs with PyAV, bytes on disk for fast start,
pixels for burned captions, the directory listing for leftovers.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
import srt

from helpers import normal_mode
from scenes import publish
from scenes.publish import (ass_captions, cover_png, finish_video, is_faststart, make_gif, make_webm,
                            measure_loudness, publish_file, write_srt_chunks)

W, H, FPS, SECONDS = 480, 854, 15, 4
HIGHLIGHT_TAG = r"\1c&H42E4F0&"      # #F0E442 as ASS BBGGRR


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _video(size=f"{W}x{H}", seconds=SECONDS):
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={FPS}:duration={seconds}"]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("src")
    meta = d / "meta.txt"
    meta.write_text(";FFMETADATA1\ntitle=Publish test\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=One\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Two\n")
    # Quiet "speech": a voiced buzz in 0.6 s bursts with 0.4 s of silence, mono 44.1 kHz (about -34 LUFS).
    speech_af = ("aevalsrc='0.05*(sin(2*PI*180*t)+0.5*sin(2*PI*360*t)+0.3*sin(2*PI*540*t))"
                 "*(sin(2*PI*3*t)^2)*lt(mod(t\\,1.0)\\,0.6)':s=44100:d=4")
    # Quiet bursts plus loud 2 ms clicks: the true peak is so high that no gain alone reaches the target.
    peaky_af = ("aevalsrc='0.02*sin(2*PI*180*t)*lt(mod(t\\,1.0)\\,0.6)"
                "+0.9*lt(mod(t\\,1.3)\\,0.002)*sin(2*PI*3000*t)':s=48000:d=4")
    # High profile like Manim's own libx264 output; the silent clip is Constrained Baseline (ultrafast)
    # so that the re-encoding tests show the High profile comes from finish_video.
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    ns = SimpleNamespace(dir=d)
    ns.speech = d / "speech.mp4"   # no +faststart: moov at the end, like a Manim segment
    _ffmpeg(*_video(), "-f", "lavfi", "-i", speech_af, "-i", str(meta), "-map", "0:v", "-map", "1:a",
            "-map_metadata", "2", "-map_chapters", "2", *x264, "-c:a", "aac", "-shortest", str(ns.speech))
    ns.peaky = d / "peaky.mp4"
    _ffmpeg(*_video(), "-f", "lavfi", "-i", peaky_af, *x264, "-c:a", "aac", "-shortest", str(ns.peaky))
    ns.silent = d / "silent.mp4"
    _ffmpeg(*_video(), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(ns.silent))
    ns.small = d / "small.mp4"
    _ffmpeg(*_video("240x426", 2), "-f", "lavfi", "-i", "sine=frequency=440:duration=2", *x264, "-c:a", "aac",
            "-shortest", str(ns.small))
    return ns


def _streams(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0].codec_context if c.streams.video else None
        a = c.streams.audio[0].codec_context if c.streams.audio else None
        return SimpleNamespace(
            vcodec=v and v.name, profile=v and v.profile, pix_fmt=v and v.pix_fmt,
            acodec=a and a.name, rate=a and a.sample_rate, channels=a and a.channels,
            title=c.metadata.get("title"),
            chapters=[(round(float(ch["start"] * ch["time_base"]), 2), ch["metadata"].get("title"))
                      for ch in c.chapters()])


def _video_packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def _listing(d):
    return sorted(p.name for p in Path(d).iterdir())


# --------------------------------------------------------------------------- finish_video

@pytest.mark.parametrize("target", [-14.0, -16.0])
def test_finished_video_is_ready_to_post(media, tmp_path, target):
    dest = tmp_path / "clip.mp4"
    before = measure_loudness(media.speech)
    assert before.integrated < -30        # a real change, not a pass-through

    finish_video(media.speech, dest, loudness=target)

    got = measure_loudness(dest)
    assert abs(got.integrated - target) <= 1.0, got
    assert got.true_peak <= -1.0, got
    s = _streams(dest)
    assert (s.vcodec, s.profile, s.pix_fmt) == ("h264", "High", "yuv420p")
    assert (s.acodec, s.rate, s.channels) == ("aac", 48000, 2)      # mono 44.1 kHz in
    assert s.title == "Publish test" and s.chapters == [(0.0, "One"), (2.0, "Two")]
    assert not is_faststart(media.speech) and is_faststart(dest)
    assert _video_packets(dest) == _video_packets(media.speech)      # stream-copied, not re-encoded
    assert dest.stat().st_mode & 0o777 == normal_mode()
    assert _listing(tmp_path) == ["clip.mp4"]


def test_clicks_too_loud_for_a_plain_gain_get_the_limiter(media, tmp_path, caplog):
    """The gain that brings the bursts to -14 LUFS would lift the clicks far past 0 dBTP."""
    before = measure_loudness(media.peaky)
    assert before.true_peak + (-14.0 - before.integrated) > 3.0, before  # the case this test is about
    dest = tmp_path / "peaky.mp4"
    with caplog.at_level("INFO", logger="scenes.publish"):
        finish_video(media.peaky, dest, loudness=-14.0)
    assert "limiter at" in caplog.text
    got = measure_loudness(dest)
    assert abs(got.integrated + 14.0) <= 1.0 and got.true_peak <= -1.0, got


def test_limited_chain_metered_while_encoding_is_the_one_process_encode(media, tmp_path):
    """The limiter's pass that is metered and encoded at once (two ffmpegs joined by a pipe) gives the
    same AAC as one ffmpeg running the chain into the encoder, and the meter reads what ebur128 alone
    reads after the same chain."""
    af = (f"{publish._LAYOUT},volume=20dB,aresample=192000,alimiter=limit=0.7:level=false:latency=true"
          f",aresample=48000,{publish._AUDIO_PREP}")
    alone = tmp_path / "alone.m4a"
    publish._ffmpeg(["-i", str(media.peaky), "-map", "0:a:0", "-af", af, "-vn", *publish._AAC, "-f", "mp4", str(alone)])
    piped = tmp_path / "piped.m4a"
    raw = ["-f", "f32le", "-ar", "48000", "-ac", "2"]
    err = publish._ffmpeg_piped(
        ["-i", str(media.peaky), "-filter_complex", f"[0:a:0]{af},asplit=2[m][o];[m]{publish._METER},anullsink",
         "-map", "[o]", *raw, "pipe:1"],
        [*raw, "-i", "pipe:0", "-vn", *publish._AAC, "-f", "mp4", str(piped)])
    assert publish._parse_ebur128(err) == publish._meter(media.peaky, af)

    def pcm(path):
        with av.open(str(path)) as c:
            return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)

    a, b = pcm(alone), pcm(piped)
    assert a.shape == b.shape and a.shape[1] > 3.9 * 48000 and np.array_equal(a, b)


def test_piped_ffmpeg_errors_name_the_side_that_failed(media, tmp_path):
    raw = ["-f", "f32le", "-ar", "48000", "-ac", "2"]
    good_producer = ["-i", str(media.peaky), "-map", "0:a:0", *raw, "pipe:1"]
    with pytest.raises(RuntimeError, match="Unknown encoder 'no_such_codec'"):
        publish._ffmpeg_piped(good_producer, [*raw, "-i", "pipe:0", "-c:a", "no_such_codec", str(tmp_path / "x.m4a")])
    with pytest.raises(RuntimeError, match="no_such_filter"):
        publish._ffmpeg_piped(["-i", str(media.peaky), "-af", "no_such_filter", *raw, "pipe:1"],
                              [*raw, "-i", "pipe:0", *publish._AAC, str(tmp_path / "y.m4a")])


def test_ctrl_c_during_a_piped_encode_kills_both_ffmpegs(tmp_path):
    """SIGINT while the producer (an endless tone) feeds the encoder: both ffmpegs are gone afterwards."""
    dest = tmp_path / "endless.m4a"
    raw = ["-f", "f32le", "-ar", "48000", "-ac", "2"]
    producer = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000,{publish._AUDIO_PREP}", *raw, "pipe:1"]
    consumer = [*raw, "-i", "pipe:0", *publish._AAC, "-f", "adts", str(dest)]
    code = f"from scenes.publish import _ffmpeg_piped; _ffmpeg_piped({producer!r}, {consumer!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 20
    while not (dest.exists() and dest.stat().st_size > 0):
        assert proc.poll() is None and time.monotonic() < deadline, "the piped encode ended before the interrupt"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    time.sleep(0.2)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert str(dest).encode() not in cmdline and b"sine=frequency=440:sample_rate=48000" not in cmdline


def test_reencode_is_high_profile_cfr_at_the_asked_rate(media, tmp_path):
    old = os.umask(0o027)
    try:
        dest = tmp_path / "ten.mp4"
        finish_video(media.silent, dest, loudness=-14.0, fps=10, reencode_video=True)
    finally:
        os.umask(old)
    assert dest.stat().st_mode & 0o777 == 0o640
    s = _streams(dest)
    assert (s.vcodec, s.profile, s.pix_fmt, s.acodec) == ("h264", "High", "yuv420p", None)
    with av.open(str(dest)) as c:
        v = c.streams.video[0]
        pts = sorted(p.pts for p in c.demux(v) if p.pts is not None)
        steps = {round(float((b - a) * v.time_base), 4) for a, b in zip(pts, pts[1:])}
    assert steps == {0.1} and len(pts) == 40
    assert _streams(media.silent).profile == "Constrained Baseline"


def test_video_without_audio_stays_silent(media, tmp_path):
    dest = tmp_path / "silent.mp4"
    finish_video(media.silent, dest, loudness=-14.0)
    assert measure_loudness(media.silent) is None and measure_loudness(dest) is None
    assert _streams(dest).acodec is None and is_faststart(dest)


# --------------------------------------------------------------------------- fast start parser

def _box(kind: bytes, payload: bytes = b"", large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


@pytest.mark.parametrize("boxes, expected", [
    ([_box(b"ftyp", b"isom"), _box(b"free"), _box(b"moov", b"x" * 40), _box(b"mdat", b"\0" * 100, large=True)], True),
    # a 64-bit mdat whose payload holds the bytes "moov": only a correct skip says False
    ([_box(b"ftyp", b"isom"), _box(b"mdat", b"\0\0\0\x08moov" * 10, large=True), _box(b"moov")], False),
    ([_box(b"ftyp", b"isom"), struct.pack(">I4s", 0, b"free") + b"\0\0\0\x08moov"], False),  # size 0: to EOF
    ([_box(b"ftyp", b"isom"), _box(b"moov")], True),
    ([b"\0\0\0"], False),
    ([], False),
])
def test_is_faststart_walks_top_level_boxes(tmp_path, boxes, expected):
    f = tmp_path / "x.mp4"
    f.write_bytes(b"".join(boxes))
    assert is_faststart(f) is expected


# --------------------------------------------------------------------------- captions

def _cue(start, text, step=0.3, gap=0.05):
    words, t = [], start
    for w in text.split():
        words.append({"text": w, "start": round(t, 3), "end": round(t + step, 3)})
        t += step + gap
    return {"start": start, "end": words[-1]["end"], "text": text, "words": words}


CUES = [_cue(0.2, "Gradient descent follows the slope, step by step."),
        _cue(3.4, "Then {it} stops\\here at last: a minimum!")]
BOX = (40, 560, 440, 800)


def _events(ass):
    out = []
    for line in ass.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(",", 9)
            out.append((fields[1], fields[2], fields[9]))
    return out


def _secs(t):
    h, m, s = t.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _plain(text):
    return re.sub(r"(?<!\\)\{[^}]*\}", "", text)


def test_ass_captions_light_one_word_at_a_time_inside_the_box():
    ass = ass_captions(CUES, W, H, BOX)
    assert f"PlayResX: {W}" in ass and f"PlayResY: {H}" in ass
    fmt = [f.strip() for f in re.search(r"^\[V4\+ Styles\]\nFormat:(.*)$", ass, re.M).group(1).split(",")]
    style = dict(zip(fmt, [f.strip() for f in re.search(r"^Style:(.*)$", ass, re.M).group(1).split(",")]))
    left, top, right, bottom = BOX
    assert style["Alignment"] == "2" and style["Bold"] == "-1"
    assert int(style["Outline"]) > 0 and int(style["Shadow"]) > 0
    assert int(style["MarginL"]) >= left and W - int(style["MarginR"]) <= right
    assert H - int(style["MarginV"]) <= bottom

    events = _events(ass)
    words = [w["text"] for c in CUES for w in c["words"]]
    assert len(events) == len(words)
    for (_, _, text), word in zip(events, words):
        assert text.count(HIGHLIGHT_TAG) == 1
        lit = re.search(re.escape(HIGHLIGHT_TAG) + r"\}(.*?)(?<!\\)\{", text).group(1)
        assert lit == publish._ass_escape(word)

    # chunks: runs of events with the same plain text
    chunks = []
    for _, _, text in events:
        if not chunks or _plain(text) != chunks[-1]:
            chunks.append(_plain(text))
    assert all(len(c.split()) <= 4 for c in chunks)
    assert any(c.endswith("slope,") for c in chunks)          # broke after the comma
    assert " ".join(chunks).split() == [publish._ass_escape(w) for w in words]

    # times: no overlaps (libass would stack them out of the box), no flicker gaps within a cue
    times = [(_secs(a), _secs(b)) for a, b, _ in events]
    assert all(b > a for a, b in times)
    assert all(nxt[0] >= cur[1] for cur, nxt in zip(times, times[1:]))
    first_cue = times[:len(CUES[0]["words"])]
    assert all(nxt[0] == cur[1] for cur, nxt in zip(first_cue, first_cue[1:]))
    # a caption stays up _GAP_BRIDGE after its last word, or until the next starts: a rule that needs no later
    # cue, so a clip can burn its captions in as its frames are encoded
    assert times[0][0] == 0.2 and abs(times[-1][1] - (CUES[1]["end"] + publish._GAP_BRIDGE)) < 0.011
    last_word_1 = CUES[0]["words"][-1]["end"]
    first_word_2 = CUES[1]["words"][0]["start"]
    assert abs(times[len(CUES[0]["words"]) - 1][1] - min(first_word_2, last_word_1 + publish._GAP_BRIDGE)) < 0.011


def test_ass_text_cannot_inject_override_tags():
    ass = ass_captions([_cue(0, "a{\\b1}b c\\N d}")], W, H, BOX)
    for _, _, text in _events(ass):
        stripped = text.replace("{" + HIGHLIGHT_TAG + "}", "").replace(r"{\1c&HFFFFFF&}", "")
        assert re.search(r"(?<!\\)[{}]", stripped) is None
        assert "\\N" not in stripped and "\\b1" not in stripped.replace("\\\u2060", "")


def test_a_chunk_too_wide_for_the_box_gets_a_smaller_font():
    ass = ass_captions([_cue(0, "Hyperparameterisation"), _cue(2, "ok")], W, H, (100, 500, 300, 800))
    sizes = [re.search(r"\\fs(\d+)", t) for _, _, t in _events(ass)]
    assert sizes[0] and int(sizes[0].group(1)) < 64 and sizes[1] is None


def test_srt_has_the_same_few_word_chunks(tmp_path):
    dest = tmp_path / "captions.srt"
    write_srt_chunks(CUES, dest, words_per_chunk=3)
    subs = list(srt.parse(dest.read_text(encoding="utf-8")))
    assert all(1 <= len(s.content.split()) <= 3 for s in subs)
    assert " ".join(s.content for s in subs).split() == [w["text"] for c in CUES for w in c["words"]]
    assert subs[0].start.total_seconds() == 0.2
    assert dest.stat().st_mode & 0o777 == normal_mode()
    assert _listing(tmp_path) == ["captions.srt"]


def test_burned_captions_change_the_box_and_nothing_else(media, tmp_path):
    cues = [_cue(0.5, "Gradient descent follows eigenvectors", step=0.7, gap=0.0),
            _cue(3.2, "Hyperparameterisation", step=0.7)]
    ass = tmp_path / "captions.ass"
    ass.write_text(ass_captions(cues, W, H, BOX), encoding="utf-8")
    plain, burned = tmp_path / "plain.mp4", tmp_path / "burned.mp4"
    finish_video(media.silent, plain, loudness=-14.0, reencode_video=True)
    finish_video(media.silent, burned, loudness=-14.0, burn_ass=ass)
    assert _streams(burned).profile == "High" and is_faststart(burned)

    picks = (3, 15, 30, 52)       # before captions, first chunk (2 lines), first chunk later, the long word

    def frames(path):
        with av.open(str(path)) as c:
            got = {i: f.to_ndarray(format="rgb24").astype(np.int16) for i, f in enumerate(c.decode(video=0))
                   if i in picks or i == FPS * SECONDS - 1}
        assert max(got) == FPS * SECONDS - 1
        return got

    a, b = frames(plain), frames(burned)
    left, top, right, bottom = BOX
    inside = np.zeros((H, W), bool)
    inside[top:bottom, left:right] = True
    for i in picks:
        diff = np.abs(a[i] - b[i]).max(axis=2) > 64
        assert diff[~inside].mean() < 0.0005, (i, diff[~inside].sum())
        if i == 3:
            assert diff[inside].mean() < 0.0005
        else:
            assert diff[inside].mean() > 0.02, i
            yellow = (np.abs(b[i] - np.array([0xF0, 0xE4, 0x42])).max(axis=2) < 40) & inside
            assert yellow.sum() > 100, i          # the spoken word is lit
    rows = np.nonzero((np.abs(a[15] - b[15]).max(axis=2) > 64)[:, left:right].any(axis=1))[0]
    assert rows.max() - rows.min() > 100          # wrapped onto two lines at 64 px
    assert sorted(_listing(tmp_path)) == ["burned.mp4", "captions.ass", "plain.mp4"]


# --------------------------------------------------------------------------- derived files

def test_cover_png(media, tmp_path):
    dest = tmp_path / "cover.png"
    cover_png(media.speech, 1.5, dest)
    with av.open(str(dest)) as c:
        f = next(c.decode(video=0))
        assert (f.width, f.height) == (W, H)
    assert dest.stat().st_mode & 0o777 == normal_mode()
    with pytest.raises(ValueError):
        cover_png(media.speech, 60.0, tmp_path / "late.png")
    assert _listing(tmp_path) == ["cover.png"]


def _gif_facts(path):
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
        duration = sum(float(f.duration * f.time_base) for f in frames if f.duration) or None
        return frames[0].width, len(frames), duration


def test_gif_fits_width_rate_and_size(media, tmp_path):
    dest = tmp_path / "clip.gif"
    make_gif(media.speech, dest, max_width=360)
    width, n, duration = _gif_facts(dest)
    assert width <= 360 and n / SECONDS <= 15.01 and dest.stat().st_size < 15_000_000
    assert dest.stat().st_mode & 0o777 == normal_mode()
    assert _listing(tmp_path) == ["clip.gif"]


def test_gif_shrinks_until_it_fits(media, tmp_path):
    dest = tmp_path / "small.gif"
    make_gif(media.small, dest, max_bytes=150_000)
    width, n, _ = _gif_facts(dest)
    assert dest.stat().st_size <= 150_000
    assert width < 240 or n < 2 * FPS
    assert _listing(tmp_path) == ["small.gif"]


def test_webm_is_vp9_and_opus(media, tmp_path):
    dest = tmp_path / "clip.webm"
    make_webm(media.small, dest)
    with av.open(str(dest)) as c:
        assert c.streams.video[0].codec_context.name == "vp9"
        assert c.streams.audio[0].codec_context.name == "opus"
    assert dest.stat().st_mode & 0o777 == normal_mode()
    assert _listing(tmp_path) == ["clip.webm"]


def test_publish_file_replaces_atomically_with_normal_mode(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3_000_000))
    os.chmod(src, 0o600)
    out = tmp_path / "out"
    out.mkdir()
    (out / "video.mp4").write_bytes(b"old")
    publish_file(src, out / "video.mp4")
    assert (out / "video.mp4").read_bytes() == src.read_bytes()
    assert (out / "video.mp4").stat().st_mode & 0o777 == normal_mode()
    assert _listing(out) == ["video.mp4"]


# --------------------------------------------------------------------------- failures

def test_interrupt_at_any_ffmpeg_step_leaves_nothing(media, tmp_path, monkeypatch):
    real = publish._ffmpeg
    calls = []

    def counting(args, **kw):
        calls.append(args)
        return real(args, **kw)

    monkeypatch.setattr(publish, "_ffmpeg", counting)
    finish_video(media.speech, tmp_path / "count.mp4", loudness=-14.0)
    steps = len(calls)
    (tmp_path / "count.mp4").unlink()
    assert steps >= 4          # measure, encode, check, mux

    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"the previous version")
    for k in range(1, steps + 1):
        n = 0

        def interrupted(args, **kw):
            nonlocal n
            n += 1
            out = real(args, **kw)
            if n == k:
                raise KeyboardInterrupt
            return out

        monkeypatch.setattr(publish, "_ffmpeg", interrupted)
        with pytest.raises(KeyboardInterrupt):
            finish_video(media.speech, dest, loudness=-14.0)
        assert _listing(tmp_path) == ["clip.mp4"], k
        assert dest.read_bytes() == b"the previous version"


def test_interrupt_during_copy_leaves_nothing(tmp_path, monkeypatch):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 1000)
    out = tmp_path / "out"
    out.mkdir()

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish.shutil, "copyfileobj", boom)
    with pytest.raises(KeyboardInterrupt):
        publish_file(src, out / "x.bin")
    assert _listing(out) == []


def test_ctrl_c_on_a_real_run_kills_ffmpeg_and_cleans_up(media, tmp_path):
    """SIGINT to the Python process (as a terminal would send it) while libvpx is encoding."""
    dest = tmp_path / "clip.webm"
    code = f"from scenes.publish import make_webm; make_webm({str(media.speech)!r}, {str(dest)!r})"
    # as a terminal's Ctrl-C finds it: SIGINT not ignored, even when this run inherited an ignored one
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 20
    while not any(p.name.endswith(".tmp") and any(p.iterdir()) for p in tmp_path.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "make_webm ended before it could be interrupted"
        time.sleep(0.02)
    stage = next(p for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err and "_ffmpeg" in err   # hit while ffmpeg ran
    assert _listing(tmp_path) == []
    for pid in filter(str.isdigit, os.listdir("/proc")):      # no ffmpeg left writing into the stage
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert str(stage).encode() not in cmdline


def test_ffmpeg_errors_carry_its_message(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(RuntimeError, match="Invalid data found"):
        cover_png(junk, 0.0, tmp_path / "cover.png")
    assert _listing(tmp_path) == ["junk.mp4"]
