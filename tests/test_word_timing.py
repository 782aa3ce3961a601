"""Word timing from Piper's own alignments: every written token timed, in order, where the audio says it is."""

import wave

import numpy as np
import pytest

from scenes.toolkit.word_timing import Word, even_words, piper_voice, synthesize_with_words

EXAMPLE = "Gradient descent stalls at the saddle point."
TWO_SENTENCES = "Gradient descent stalls, then it moves on. At the saddle point it waits."
# espeak expands numbers, drops brackets, merges "in the", and says nothing for a dash
MESSY = "It moves to (1, 0.25) in the end — with a step of 1e-8."


def _audio(path):
    with wave.open(str(path)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16) / 32767.0
        return samples, w.getframerate()


def _db(x):
    return 20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-9)


def _quietest_window_db(samples, rate, start, end, window=0.02):
    """Energy of the quietest 20 ms inside [start, end): a pause has one, running speech does not."""
    a, b, n = int(start * rate), int(end * rate), int(window * rate)
    return min(_db(samples[i:i + n]) for i in range(a, max(a + 1, b - n), n // 2))


@pytest.fixture(scope="module")
def voice():
    return piper_voice()


@pytest.fixture(scope="module")
def spoken(voice, tmp_path_factory):
    """Synthesise each text once for the whole module: Piper takes a few tenths of a second per sentence."""
    out = {}
    for name, text in {"example": EXAMPLE, "two": TWO_SENTENCES, "messy": MESSY}.items():
        path = tmp_path_factory.mktemp("wt") / f"{name}.wav"
        out[name] = (text, path, synthesize_with_words(voice, text, path))
    return out


@pytest.mark.parametrize("name", ["example", "two", "messy"])
def test_every_token_gets_a_word_in_order(spoken, name):
    text, _, words = spoken[name]
    assert all(isinstance(w, Word) for w in words)
    assert [w.text for w in words] == text.split()


@pytest.mark.parametrize("name", ["example", "two", "messy"])
def test_times_are_ordered_and_inside_the_wav(spoken, name):
    _, path, words = spoken[name]
    samples, rate = _audio(path)
    duration = len(samples) / rate
    assert words[0].start >= 0
    for w in words:
        assert w.end >= w.start, w
    for a, b in zip(words, words[1:]):
        assert b.start >= a.start and b.start >= a.end, (a, b)  # non-decreasing, never overlapping
    assert words[-1].end <= duration + 1e-6


def test_words_sit_on_speech_and_the_edges_are_silent(spoken):
    """Each word's span carries speech, the lead-in before the first word and the tail after the last do not."""
    _, path, words = spoken["example"]
    samples, rate = _audio(path)
    for w in words:
        assert _db(samples[int(w.start * rate):int(w.end * rate)]) > -35, w
    assert _db(samples[:int(words[0].start * rate)]) < -60
    assert _db(samples[int(words[-1].end * rate):]) < -60


def test_second_sentence_starts_after_the_first_ends(spoken):
    """Piper speaks sentence by sentence; the second one's times must include the first one's audio."""
    _, _, words = spoken["two"]
    texts = [w.text for w in words]
    on, at = words[texts.index("on.")], words[texts.index("At")]
    assert at.start > on.end
    assert at.start > 2 * words[0].end  # not restarted from zero


@pytest.mark.parametrize("before, after", [("stalls,", "then"), ("on.", "At")])
def test_pause_at_a_break_is_a_quiet_gap_between_words(spoken, before, after):
    _, path, words = spoken["two"]
    samples, rate = _audio(path)
    texts = [w.text for w in words]
    a, b = words[texts.index(before)], words[texts.index(after)]
    assert b.start - a.end > 0.1
    assert _quietest_window_db(samples, rate, a.end, b.start) < -50
    gaps = [nxt.start - cur.end for cur, nxt in zip(words, words[1:])]
    inside = [g for g, cur in zip(gaps, words) if not cur.text.endswith((",", "."))]
    assert b.start - a.end > max(inside)  # the breaks are the longest pauses


def test_expanded_and_silent_tokens_map_to_the_written_token(spoken):
    """ "0.25" is said as four words and "1e-8" as three, yet each is one Word; the dash is a point in time."""
    _, _, words = spoken["messy"]
    by = {w.text: w for w in words}
    assert by["0.25)"].end - by["0.25)"].start > 3 * (by["to"].end - by["to"].start)
    assert by["1e-8."].end - by["1e-8."].start > by["step"].end - by["step"].start
    assert by["in"].end <= by["the"].start  # espeak runs "in the" together; the split is still there
    dash = by["—"]
    assert dash.start == dash.end
    assert by["end"].end <= dash.start <= by["with"].start


def test_wav_is_the_narration_audio_and_timings_are_deterministic(voice, spoken, tmp_path):
    """Same text, same bytes and same times: captions made once stay right for every re-render."""
    from piper import SynthesisConfig

    text, path, words = spoken["example"]
    again = synthesize_with_words(voice, text, tmp_path / "again.wav")
    assert again == words
    assert (tmp_path / "again.wav").read_bytes() == path.read_bytes()
    with wave.open(str(tmp_path / "narration.wav"), "wb") as wf:  # how narration.PiperService writes it
        voice.synthesize_wav(text, wf, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))
    assert (tmp_path / "narration.wav").read_bytes() == path.read_bytes()


def test_text_with_nothing_to_say_gives_an_empty_wav(voice, tmp_path):
    assert synthesize_with_words(voice, "", tmp_path / "empty.wav") == []
    samples, rate = _audio(tmp_path / "empty.wav")
    assert len(samples) == 0 and rate == 22050


def test_even_words_fill_the_duration_in_proportion_to_letters():
    words = even_words("a bb  cccc", 3.0)  # weights 2, 3, 5
    assert [w.text for w in words] == ["a", "bb", "cccc"]
    assert words[0].start == 0 and words[-1].end == 3.0
    for a, b in zip(words, words[1:]):
        assert a.end == b.start
    assert [round(w.end - w.start, 9) for w in words] == [0.6, 0.9, 1.5]
    assert even_words("", 2.0) == [] and even_words("   ", 2.0) == []
