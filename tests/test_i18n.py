"""The translation mechanism: every key in both languages, with the same placeholders."""

import re
import string

import pytest

from core import i18n
from core.i18n import Message, UserError


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    en, zh = i18n.CATALOG[key]
    assert en.strip() and zh.strip()
    assert _fields(en) == _fields(zh)


def test_text_is_rendered_in_the_readers_language():
    assert i18n.t("nav.convolution", "en") == "Convolution"
    assert i18n.t("nav.convolution", "zh") == "卷积"
    message = Message("url.bad_pair", {"name": "kernel", "value": "abc", "default": "3"})
    assert "kernel=abc" in message.text("en") and "kernel=abc" in message.text("zh")
    assert str(UserError(message)) == message.text("en")


def test_user_text_cannot_add_links_or_images_to_markdown():
    message = Message("url.bad_choice", {"name": "mode", "value": "![x](http://tracker)", "choices": "a", "used": "a"})
    assert "![x](http" in message.text("en")  # inside a code span: shown literally, not rendered
    hostile = Message("images.could_not_decode", {"name": "[click](http://evil)", "detail": "*bold*"})
    text = hostile.text("en", markdown=True)
    assert "[click](" not in text and r"\[click\]\(http://evil\)" in text
    assert r"\*bold\*" in text
    assert "`a`b`" not in Message("url.bad_pair", {"name": "x", "value": "a`b", "default": "3"}).text(
        "en", markdown=True
    )


# --- the Chinese text reads like a Chinese textbook: full-width punctuation, one term per concept ---------

HAN = r"[\u4e00-\u9fff]"  # Chinese characters
FULL_WIDTH = "，。；：（）、！？“”"
# text where ASCII punctuation is right: `code spans`, and a literal character quoted for the reader (“;”)
_LITERAL = re.compile(r"`[^`]*`|“[,;:()]”")
# ASCII , ; : right after or right before Chinese (spaces between do not count)
_ASCII_MARK = re.compile(rf"(?:{HAN}|[{FULL_WIDTH}])\s*[,;:](?!//)|[,;:]\s*{HAN}")
# ASCII brackets around Chinese, or touching a Chinese character: "卷积核(可编辑)", "大小(kernel_size)"
_ASCII_BRACKET = re.compile(rf"\([^()]*{HAN}[^()]*\)|{HAN}\(|\){HAN}")


def ascii_punctuation_in_chinese(zh: str) -> list[str]:
    """Return the places where zh text uses ASCII , ; : ( ) inside a Chinese sentence."""
    text = _LITERAL.sub("", zh)
    return [m.group(0) for pattern in (_ASCII_MARK, _ASCII_BRACKET) for m in pattern.finditer(text)]


def test_the_punctuation_check_finds_ascii_marks_and_leaves_code_and_formulas():
    assert ascii_punctuation_in_chinese("卷积核在输入上滑动;每个输出单元,观察:") == ["动;", "元,", "察:"]
    assert ascii_punctuation_in_chinese("卷积核大小(kernel_size)") and ascii_punctuation_in_chinese("输入(可编辑)")
    assert not ascii_punctuation_in_chinese("卷积核大小（kernel_size）：值域 (0, 1)，例如 `1,2;3,4`")
    assert not ascii_punctuation_in_chinese("行之间用“;”分隔，nn.Linear({i}, {o}) 的参数量，图像 (N, C, H, W)。")


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_chinese_sentences_use_full_width_punctuation(key):
    zh = i18n.CATALOG[key][1]
    assert not ascii_punctuation_in_chinese(zh), f"{key}: use ，；：（） inside Chinese: {zh}"


# one name per concept: a variant on the left reads as the term on the right everywhere
ONE_TERM = {
    "训练这个模型": "训练此模型",  # the Architecture page's button, and every text that names it
    "填充值": "填充模式",  # padding_mode
    "跳距": "累积步长",  # jump: the product of the strides so far
    "会以相反的样子到达模型": "到了模型那里会变成相反的颜色",
    # "run" as a noun is a 训练任务 (运行 reads as a verb: "没有运行", "比较运行")
    "比较运行": "比较训练任务",
    "没有运行 {": "没有训练任务 {",
    "个运行": "个训练任务",
    "的运行": "的训练任务",
    "运行存储": "训练任务存储区",
    "运行 ID": "训练任务 ID",
    "运行 {run": "训练任务 {run",
    "运行记录": "训练记录",
}


@pytest.mark.parametrize("variant", sorted(ONE_TERM))
def test_one_chinese_term_per_concept(variant):
    used = [key for key, (_, zh) in i18n.CATALOG.items() if variant in zh]
    assert not used, f"{used} say {variant!r}; the catalogue's term is {ONE_TERM[variant]!r}"


def test_a_button_named_in_a_sentence_has_its_own_label_in_both_languages():
    english = {en: key for key, (en, _) in i18n.CATALOG.items()}
    checked = 0
    for key, (en, zh) in i18n.CATALOG.items():
        # a label starts with a capital ("Train this model"); "type" in a JSON example is not one
        for quoted in re.findall(r"[“\"]([A-Z][^”\"]{3,40})[”\"]", en):
            label = english.get(quoted)
            if label is None or label == key:
                continue
            checked += 1
            assert f"“{i18n.CATALOG[label][1]}”" in zh, f"{key} names {label} but not as “{i18n.CATALOG[label][1]}”"
    assert checked >= 3  # "Train this model", "Apply the fix", "Link to share this view"


def test_every_multiselect_has_a_translated_placeholder():
    """Streamlit's own "Choose options" would stay English on a Chinese page: each multiselect passes its own."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    missing = []
    for path in [*root.glob("pages/*.py"), *root.glob("ui/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            multiselect = isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "multiselect"
            if multiselect and "placeholder" not in {k.arg for k in node.keywords}:
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []
