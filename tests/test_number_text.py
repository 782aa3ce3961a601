"""Numbers as a person writes them: one rule for a value everywhere it shows, and scientific numbers shown
with a power of ten (``1.47×10⁻⁵``) while the voice keeps reading the e-form.

* ``optmath.notation.number`` is the rule; ``scenes.description.fmt`` (narration, brief legend labels, table
  cells), ``Optimizer.label`` (full legend labels) and the fair race's rates all call it.
* ``scenes.language.on_screen`` is what is shown: captions, the .srt, legends, cards, panels.
"""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest
import srt

import optmath
from optmath.notation import number
from scenes.description import Run, Table, fmt
from scenes.language import on_screen, on_screen_tex, speak_zh, tokens
from scenes.toolkit.narration import spoken


# -- the rule -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, written", [
    (5e-4, "0.0005"),          # was 5.00e-4: a value a person writes plainly stays plain
    (0.001, "0.001"),
    (12000, "12000"),          # a whole number keeps its digits
    (12000.0, "12000"),
    (0.000133, "0.000133"),    # was 1.33e-4
    (1e-4, "0.0001"),          # the plain range starts at 1e-4 ...
    (9.9996e-5, "0.0001"),     # ... decided after rounding
    (1.47e-5, "1.47e-5"),      # below it: scientific
    (1.50e-5, "1.5e-5"),       # no trailing zeros
    (1e-8, "1e-8"),            # was 1.00e-8
    (999999.0, "999999"),
    (1e6, "1e6"),              # at/above 1e6: scientific
    (2.5e6, "2.5e6"),
    (0.1 + 0.2, "0.3"),        # no float noise
    (1.0, "1"),
    (-0.6, "-0.6"),
    (1 / 16, "0.0625"),
    (1234.56, "1235"),
    (0.9999, "0.9999"),        # a fraction is not written as 1 (a beta)
    (0.0, "0"),
])
def test_one_rule_for_a_value(value, written):
    assert fmt(value) == number(value) == written


def test_digits_are_significant_digits_without_trailing_zeros():
    assert fmt(1001.6, 4) == "1002" and fmt(0.0019973, 4) == "0.001997" and fmt(0.5, 4) == "0.5"
    assert fmt(1.234567e-6, 4) == "1.235e-6"


@pytest.mark.parametrize("lr", [5e-4, 1e-5, 0.001, 0.4762, 0.6679, 0.05, 1.0])
def test_a_legend_label_writes_a_setting_as_fmt_does(lr):
    """The full label (optmath) and the brief label (the clip) agree with fmt, which the narration uses."""
    full = optmath.get_optimizer("momentum", lr=lr, momentum=0.9).label()
    assert full == f"Momentum (lr={fmt(lr)}, momentum=0.9)"
    run = Run(optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 2, lr=lr, momentum=0.9))
    assert run.label(brief=True) == f"Momentum lr={fmt(lr)}"
    assert re.search(r"lr=([^,)\s]+)", run.label()).group(1) == fmt(lr)
    assert optmath.get_optimizer("adam", lr=lr, betas=(0.9, 0.9999)).label() == \
        f"Adam (lr={fmt(lr)}, betas=(0.9, 0.9999))"


def test_the_fair_race_writes_its_rates_by_the_rule():
    from scenes.segments import fair_race

    assert fair_race.rate(5e-4) == fmt(5e-4) == "0.0005"
    assert fair_race.rate(1e-4) == "0.0001" and fair_race.rate(1.0) == "1"


def test_every_segment_s_legends_and_tables_agree_with_the_narration():
    """In every segment, a run's learning rate reads the same in its full label, its brief label and fmt;
    table cells that hold a rate are fmt's."""
    from scenes.segments import SEGMENTS

    for name, seg in SEGMENTS.items():
        d = seg.describe(short=True)
        for key, run in d.runs.items():
            lr = run.trajectory.optimizer.hyper.get("lr")
            if lr is None or np.ndim(lr):
                continue
            full = re.search(r"lr=([^,)\s]+)", run.label()).group(1)
            brief = re.search(r"lr=([^,)\s]+)", run.label(brief=True)).group(1)
            assert full == brief == fmt(lr), (name, key)
        for key, card in d.cards.items():
            if isinstance(card, Table):
                for row in card.rows:
                    for cell in row:
                        assert not re.search(r"\de[-+]?0\d|\.\d*0e", str(cell)), (name, key, cell)


# -- shown as a person writes it, read as the voice reads it ------------------------------------------------
@pytest.mark.parametrize("text, shown", [
    ("1.47e-5", "1.47×10⁻⁵"),
    ("y is 1.47e-5.", "y is 1.47×10⁻⁵."),
    ("(0.2, 1e-8)", "(0.2, 1×10⁻⁸)"),
    ("+1.23e-05", "+1.23×10⁻⁵"),          # the update panel's fixed-width values
    ("-2.50e+06", "-2.50×10⁶"),
    ("2.5e6", "2.5×10⁶"),
    ("x只剩下1.33e-4。", "x只剩下1.33×10⁻⁴。"),
    ("lr=0.0005, 12000 steps", "lr=0.0005, 12000 steps"),  # plain numbers stay
    ("AdamW (lr=0.001, weight_decay=0.01)", "AdamW (lr=0.001, weight_decay=0.01)"),
    ("x1e5 and 0x1e5", "x1e5 and 0x1e5"),  # not a number on its own
])
def test_on_screen_writes_a_power_of_ten(text, shown):
    assert on_screen(text) == shown


def test_latex_gets_a_power_of_ten_too():
    assert on_screen_tex("1.47e-5") == r"1.47\times10^{-5}"
    assert on_screen_tex(r"\Delta\theta\ (\times" + fmt(2e-5) + ")") == r"\Delta\theta\ (\times2\times10^{-5})"


def test_the_voice_still_reads_the_e_form():
    assert spoken(fmt(1.47e-5)) == "1.47 times ten to the minus 5"
    assert spoken(fmt(1e-8)) == "1 times ten to the minus 8"
    assert speak_zh(fmt(1.47e-5)) == "一点四七乘以十的负五次方"
    assert speak_zh(fmt(5e-4)) == "零点零零零五"  # now plain: read digit by digit after the point
    assert speak_zh(fmt(12000)) == "一万二千"


def test_the_narration_is_spoken_in_e_form_and_captioned_with_a_power_of_ten():
    """The saddle's symmetry cue: the voice gets 1.47e-5, the caption shows 1.47×10⁻⁵, highlighted whole."""
    from scenes.publish import ass_captions
    from scenes.script import Script
    from scenes.segments import SEGMENTS

    desc = SEGMENTS["saddle"].describe()
    beat = next(b for b in desc.beats if b.cue == "symmetry")
    said = Script.of("saddle").say(beat)
    assert "1.47e-5" in said and "×10" not in said
    words = tokens(said, "en")
    cue = {"start": 0.0, "end": 0.3 * len(words), "text": said,
           "words": [{"text": w, "start": 0.3 * i, "end": 0.3 * (i + 1)} for i, w in enumerate(words)]}
    ass = ass_captions([cue], 1080, 1920, (60, 1400, 1020, 1800))
    lit = re.findall(r"\\1c&H42E4F0&\}(.*?)\{", ass)
    assert any(w.startswith("1.47×10⁻⁵") for w in lit) and "e-5" not in ass
    assert len(lit) == len(words)  # still one lit event per spoken word


def test_the_srt_beside_a_video_shows_a_power_of_ten(tmp_path):
    from scenes.publish import publish_srt, write_srt_chunks

    cue = {"start": 0.0, "end": 2.0, "text": "y is 1.47e-5 now",
           "words": [{"text": w, "start": 0.5 * i, "end": 0.5 * (i + 1)} for i, w in enumerate("y is 1.47e-5 now".split())]}
    write_srt_chunks([cue], tmp_path / "clip.srt")
    assert "1.47×10⁻⁵" in (tmp_path / "clip.srt").read_text(encoding="utf-8")
    # a lecture's .srt is Manim's, written from the voice's words: copied for posting as shown
    manim_srt = srt.compose([srt.Subtitle(1, timedelta(seconds=0), timedelta(seconds=2),
                                          "Starting at (0.2, 1e-8), y is 1.47e-5.")])
    (tmp_path / "lecture.srt").write_text(manim_srt, encoding="utf-8")
    publish_srt(tmp_path / "lecture.srt", tmp_path / "posted.srt")
    (sub,) = srt.parse((tmp_path / "posted.srt").read_text(encoding="utf-8"))
    assert sub.content == "Starting at (0.2, 1×10⁻⁸), y is 1.47×10⁻⁵."


# -- legends, cards, panels --------------------------------------------------------------------------------
def test_a_legend_shows_a_small_rate_with_a_power_of_ten():
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    t = optmath.trajectory("saddle", "sgd", (1.0, 0.25), 3, lr=1.5e-5)
    race = Race(LossSurface(optmath.get_surface("saddle"), resolution=4), [Racer(t, "#ffffff")])
    (row,) = race.legend.rows
    assert t.label == "SGD (lr=1.5e-5)"
    assert row[1].original_text == "SGD (lr=1.5×10⁻⁵)"


def test_a_table_card_and_its_title_show_a_power_of_ten():
    from scenes.toolkit.cards import TableCard

    card = Table(("lr", "loss"), (("0.0005", fmt(2.5e-7)),), title=f"rates from {fmt(1e-5)}")
    mob = TableCard(card)
    cells = [[t.original_text for t in row] for row in mob.table.get_rows()]
    assert cells[1] == ["0.0005", "2.5×10⁻⁷"]
    assert mob[-1].original_text == "rates from 1×10⁻⁵"


def test_the_update_panel_shows_small_values_with_a_power_of_ten():
    from manim import ValueTracker

    from scenes.toolkit.panel import WIDEST_VALUE, UpdatePanel

    t = optmath.trajectory("saddle", "sgd", (0.2, 1e-8), 5, lr=0.1)
    panel = UpdatePanel(t, ValueTracker(0))
    shown = [v.original_text for v in panel.values]
    assert any("×10⁻⁸" in s for s in shown) and not any(re.search(r"\de", s) for s in shown)
    assert len("+1.00×10⁻⁸") == len("+0000.0000") == len(WIDEST_VALUE.split(",")[1].strip(" )"))


@pytest.mark.parametrize("font", ["DejaVu Sans", "DejaVu Sans Mono", "DejaVu Sans:bold"])
def test_the_fonts_have_the_superscripts(font):
    """No tofu: each glyph a power of ten needs draws differently from a character the font lacks."""
    import subprocess

    from PIL import Image, ImageDraw, ImageFont

    path = subprocess.run(["fc-match", "-f", "%{file}", font], capture_output=True, text=True, check=True).stdout
    face = ImageFont.truetype(path, 40)

    def drawn(ch: str) -> bytes:
        img = Image.new("L", (60, 60))
        ImageDraw.Draw(img).text((10, 5), ch, font=face, fill=255)
        return img.tobytes()

    missing = drawn("\ue000")
    for ch in "×⁻⁰¹²³⁴⁵⁶⁷⁸⁹":
        assert drawn(ch) != missing, (font, ch)
