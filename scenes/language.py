"""The languages a video is made in, and what changes with one: words around numbers, lists of
names, the few words the pictures carry, how numbers are read aloud and written on screen, and where
a line of Chinese may break.

``--lang`` travels to the Manim process as ``OPTVIZ_LANG`` (like the voice); ``current()`` reads it.
Numbers are always computed by optmath and written with digits (``0.1``, ``(-1.2, 0.8)``,
``1.33e-4``): captions and notes show them so. For speech, ``spoken_tokens`` turns each written
token into what the voice says: in Chinese ``0.1`` is 零点一, ``-0.5`` 负零点五, ``1.33e-4``
一点三三乘以十的负四次方 (``cn2an`` reads the numbers), so a caption's token and the sound it
makes stay paired for the highlight.

What is shown (captions, legends, cards, panels) goes through ``on_screen``, which writes a number in
scientific form as a person writes it: ``1.47e-5`` is spoken "1.47 times ten to the minus five" but
shown ``1.47×10⁻⁵`` (``on_screen_tex`` for LaTeX). Chinese has no spaces, so a caption line may break
only between the words ``zh_words`` finds (jieba), never inside 为什么.
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from functools import lru_cache

LANGS = {"en": "English", "zh": "中文 (Mandarin)"}
LANG_ENV = "OPTVIZ_LANG"

# The optimizers' names as a Chinese teacher says them (the seeds keep SGD, Adam, RMSprop... as is).
DISPLAY_NAMES_ZH = {
    "sgd": "SGD", "momentum": "动量法", "nesterov": "Nesterov", "adagrad": "AdaGrad", "rmsprop": "RMSprop",
    "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "AMSGrad", "adamw": "AdamW", "adamax": "Adamax",
    "nadam": "NAdam", "momentum-sutskever": "动量法（Sutskever）", "momentum-ema": "动量法（指数平均）",
    "nesterov-cs231n": "Nesterov（CS231n）",
}

# Words on screen that are not narration: legend notes and the like.
WORDS = {
    "en": {"lecture": "Optimizers on loss surfaces", "diverged": "diverged at step {step}", "left": "left the plot at step {step}", "none": "none",
           "from": "{name} from {point}", "and": " and ", "sep": ", "},
    "zh": {"lecture": "优化算法如何在损失曲面上移动", "diverged": "第{step}步发散", "left": "第{step}步离开画面", "none": "无",
           "from": "{name}（从{point}出发）", "and": "和", "sep": "、"},
}


def current() -> str:
    lang = os.environ.get(LANG_ENV, "en") or "en"
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")
    return lang


@contextmanager
def using(lang: str):
    """This process speaks ``lang`` inside the block (descriptions, scripts and the Manim processes it starts)."""
    before = os.environ.get(LANG_ENV)
    os.environ[LANG_ENV] = lang
    try:
        yield lang
    finally:
        if before is None:
            os.environ.pop(LANG_ENV, None)
        else:
            os.environ[LANG_ENV] = before


def word(key: str, lang: str | None = None, **values) -> str:
    return WORDS[lang or current()][key].format(**values)


def display_name(optimizer: str, lang: str | None = None) -> str:
    from optmath.optimizers import DISPLAY_NAMES

    if (lang or current()) == "zh":
        return DISPLAY_NAMES_ZH.get(optimizer, DISPLAY_NAMES.get(optimizer, optimizer))
    return DISPLAY_NAMES.get(optimizer, optimizer)


def join(items: list[str], lang: str | None = None) -> str:
    """``SGD, Momentum and Adam`` / ``SGD、动量法和Adam``."""
    lang = lang or current()
    if not items:
        return word("none", lang)
    if len(items) == 1:
        return items[0]
    return WORDS[lang]["sep"].join(items[:-1]) + WORDS[lang]["and"] + items[-1]


# -- speech --------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"[-+\u2212]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese characters with CJK and full-width punctuation: text written without spaces between
CJK_TEXT = re.compile(rf"[\u3000-\u303f{_CJK}\uff00-\uffef]")


def _zh_number(text: str) -> str:
    import cn2an

    text = text.replace("\u2212", "-")
    mantissa, _, exponent = text.lower().partition("e")
    sign = ""
    if mantissa.startswith(("-", "+")):
        sign, mantissa = ("负" if mantissa[0] == "-" else ""), mantissa[1:]
    said = sign + cn2an.an2cn(mantissa, "low")
    if exponent:
        said += "乘以十的" + cn2an.an2cn(exponent.lstrip("+"), "low").replace("-", "负") + "次方"
    return said


_MEASURE = "个种条步次倍组点"  # before a measure word a lone 2 is 两 (两个), not 二


def speak_zh(text: str) -> str:
    """A Chinese text as the voice should read it: every number in Chinese characters."""
    def read(m: re.Match) -> str:
        if m.group(0) == "2" and text[m.end():m.end() + 1] in tuple(_MEASURE) and \
                (m.start() == 0 or text[m.start() - 1] not in "-+.0123456789第"):
            return "两"
        return _zh_number(m.group(0))

    return _NUMBER.sub(read, text)


WORDS_PER_SECOND_EN = 2.6  # Piper's joe at length_scale 1
CHARS_PER_SECOND_ZH = 4.2  # the Mandarin voice's pace (measured on the zh lecture)


def reading_seconds(text: str, lang: str | None = None) -> float:
    """How long the words take to say at the voices' pace: English by its words, Chinese by its
    characters (a Chinese sentence has no spaces, so a count of words would call it one word and a
    silent zh deck would run each race in a second)."""
    if (lang or current()) == "zh":
        return sum(1 for ch in text if not ch.isspace()) / CHARS_PER_SECOND_ZH
    return len(text.split()) / WORDS_PER_SECOND_EN


def tokens(text: str, lang: str | None = None) -> list[str]:
    """The units a caption highlights one by one: words in English; in Chinese each character, and
    each number or Latin word whole (punctuation stays with the unit before it)."""
    if (lang or current()) != "zh":
        return text.split()
    units = re.findall(rf"[{_CJK}]|{_NUMBER.pattern}|[A-Za-z][A-Za-z0-9'-]*|\S", text)
    out: list[str] = []
    opening = ""
    for u in units:
        if u in "(（[【“‘《":
            opening += u  # an opening bracket rides with the unit after it
        elif out and not opening and re.fullmatch(rf"[^\w{_CJK}]", u) and not _NUMBER.fullmatch(u):
            out[-1] += u  # other punctuation with the unit before it
        else:
            out.append(opening + u)
            opening = ""
    if opening:
        out.append(opening)
    return out


def formula_zh(latex: str) -> str:
    """A polynomial surface's LaTeX read in Chinese: ``0.1x^2 + 2y^2`` -> 零点一x的平方加二y的平方."""
    text = latex.replace(r"\,", " ").replace(r"\textstyle", "")
    text = re.sub(r"\\tfrac\{([^}]*)\}\{([^}]*)\}", lambda m: f"{m.group(2)}分之{m.group(1)}", text)
    # a bracket squared is read as the square of a sum or a difference: "(x加y)的平方" parses two ways aloud
    text = re.sub(r"(\d)\(", r"\1乘以(", text)
    text = re.sub(r"\(([^()]*)\)\^\{?2\}?",
                  lambda m: f"{m.group(1).strip()}{'之和' if '+' in m.group(1) else '之差'}的平方", text)
    text = re.sub(r"\^\{?2\}?", "的平方", text)
    text = re.sub(r"\^\{?3\}?", "的立方", text)
    text = text.replace(" + ", "加").replace(" - ", "减").replace("+", "加")
    text = re.sub(r"^-", "负", text)
    text = re.sub(r"(?<=[a-z])(?=[a-z])", "乘", text.replace(" ", ""))
    return speak_zh(text)


# -- on screen -------------------------------------------------------------------------------------------
# a number in e-form (``fmt``'s 1.47e-5, a panel's +1.23e-05), not inside a word or a longer number
_E_FORM = re.compile(r"(?<![A-Za-z0-9_.])([-+\u2212]?(?:\d+\.?\d*|\.\d+))[eE]([-+]?)0*(\d+)(?![A-Za-z0-9_])")
# in LaTeX a command may stand right before a number (``\times2e-5``)
_E_FORM_TEX = re.compile(r"(?<![0-9.])" + _E_FORM.pattern.removeprefix(r"(?<![A-Za-z0-9_.])"))
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def on_screen(text: str) -> str:
    """Text as a viewer reads it (captions, the .srt, legends, cards, panels, titles): every number in
    e-form written with a power of ten, ``1.47e-5`` -> ``1.47×10⁻⁵``, ``2e6`` -> ``2×10⁶``. The voice
    keeps the e-form (``spoken``/``speak_zh`` read it), so only what is drawn or captioned goes through here."""
    return _E_FORM.sub(lambda m: f"{m[1]}×10{'⁻' if m[2] == '-' else ''}{m[3].translate(_SUPERSCRIPT)}", text)


def on_screen_tex(tex: str) -> str:
    """The same for a LaTeX string (MathTex): ``1.47e-5`` -> ``1.47\\times10^{-5}``."""
    return _E_FORM_TEX.sub(lambda m: rf"{m[1]}\times10^{{{'-' if m[2] == '-' else ''}{m[3]}}}", tex)


# -- where Chinese may break -----------------------------------------------------------------------------
# words of this lecture that jieba's dictionary does not hold whole (it splits 学习/率, glues 法在)
ZH_TERMS = ("学习率", "动量法", "梯度下降", "优化器", "特征值", "特征向量", "海森矩阵", "重球法", "损失曲面",
            "之字形", "最小值", "鞍点")


@lru_cache(maxsize=1)
def _segmenter():
    """jieba (MIT, pure Python): its dictionary ships in the package, so nothing is downloaded; the first
    use builds a cache (jieba.cache in the temporary directory, written atomically) and would log to stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # our own: the terms added here do not change jieba for anyone else
    for term in ZH_TERMS:
        tokenizer.add_word(term)
    return tokenizer


def zh_words(text: str) -> list[str]:
    """``text`` cut into words (their concatenation is ``text``): 为什么|动量法|在|这里|更|快|？"""
    return _segmenter().lcut(text) if CJK_TEXT.search(text) else [text]
