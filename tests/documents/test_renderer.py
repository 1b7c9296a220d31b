"""The PDF renderer, checked on its real output with poppler (pdftotext, pdffonts, pdfdetach).

Every code is rendered once per module (the renders dominate the run time); the assertions then
read the PDFs the way a clerk or an auditor would: the text on the page, the fonts embedded, the
data attached, the page numbers in the dossier's contents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from documents import labels
from documents.renderer import (
    CODES,
    RenderResult,
    cn_date,
    cn_number,
    render_document,
    render_dossier,
    rmb_upper,
)
from tests.documents.samples import (
    AGREEMENT_NUMBER,
    CASE_NUMBER,
    DOSSIER_ORDER,
    PARTIES,
    TITLES,
    sample_context,
)

# The domain tests swap the renderer for a fake (tests/conftest.py); these need the real one.
pytestmark = pytest.mark.real_pdf

ROOT = Path(__file__).resolve().parents[2]
PARTY_NAMES = [party["name"] for party in PARTIES]


def squeeze(text: str) -> str:
    # pdftotext breaks lines where the PDF does; compare text with all whitespace removed.
    return re.sub(r"\s+", "", text)


def pdftotext(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if layout:
        args.append("-layout")
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True).stdout.decode()


def pdf_page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_objects(data: bytes) -> bytes:
    """The PDF's objects with every Flate stream inflated (WeasyPrint packs objects in streams)."""
    inflated = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not Flate (or not a complete stream): nothing to read there
    return b"\n".join(inflated)


def write(tmp_dir: Path, name: str, result: RenderResult) -> Path:
    path = tmp_dir / f"{name}.pdf"
    path.write_bytes(result.pdf)
    return path


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def rendered(out_dir: Path) -> dict[str, tuple[RenderResult, Path]]:
    results = {}
    for code in CODES:
        result = render_document(code, sample_context(code))
        results[code] = (result, write(out_dir, code, result))
    return results


@pytest.fixture(scope="module")
def dossier(out_dir: Path) -> tuple[dict, RenderResult, Path]:
    context = sample_context("DOS")
    result = render_dossier(context)
    return context, result, write(out_dir, "DOS", result)


# --- every document ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_document_shows_title_case_parties_and_footer(rendered, code):
    result, path = rendered[code]
    text = squeeze(pdftotext(path))
    context = sample_context(code)

    assert result.pdf.startswith(b"%PDF-")
    assert result.pages == pdf_page_count(path)
    assert not result.missing_glyphs
    assert squeeze(TITLES[code]) in text
    assert CASE_NUMBER in text
    assert squeeze(context["document"]["number"]) in text
    assert "第1页共" in text
    assert context["document"]["token"] in text
    for name in PARTY_NAMES:
        assert name in text, f"{code}: party {name} missing"


CODE_SPECIFIC = {
    "APP": ["申请事项", "拆除越界墙基、恢复排水沟", "此致"],
    "REG": ["陈主任", "周登记", "当事人申请", "12,000.00元"],
    "NOT": [*labels.RIGHTS, *labels.DUTIES, "（四）自主表达意愿"],
    "DEC": ["不予受理", "已由青山县人民法院立案受理", labels.DECLINE_CHANNELS],
    "INV": ["孙五（东村3组组长）", "现场照片6张", "宅基地划分示意图复印件1份", "2026年11月5日"],
    "MED": ["经现场勘查和询问村民小组长", "同意制作书面调解协议", "2026年11月12日14时30分"],
    "EXT": ["延长十五日", "2026年12月17日", "2026年12月2日", "需等待第三人施工队核实施工图纸"],
    "AGR": [
        AGREEMENT_NUMBER,
        "履行期限：2026年12月20日前履行完毕",
        "人民币陆仟元整（¥6,000.00）",
        "本协议一式四份，当事人各执一份，人民调解委员会留存一份",
        labels.AGREEMENT_EFFECT,
        "一、被申请人李四于2026年12月15日前",
        "六、双方今后应本着互谅互让",
    ],
    "ORA": ["（2026）东村调委调协字第0004号", labels.ORAL_AGREEMENT_EFFECT, "三、被申请人李四赔偿"],
    "TRM": ["仲裁", "诉讼", "第二十六条", "明确表示不再接受调解"],
    "CLS": ["陈主任", AGREEMENT_NUMBER, "同意结案", "2026年11月28日"],
    "FUV": [AGREEMENT_NUMBER, "已履行", "满意", "上门"],
    "SUP": ["青山县司法局", "2026年11月25日前", "刘督导", "防止矛盾激化"],
    "JCA": ["青山县人民法院", AGREEMENT_NUMBER, "第三十三条", "共同向贵院申请司法确认", "申请人"],
    "FBK": [
        "青山县人民法院：",
        "（2026）鲁0281民诉前调1234号",
        "诉前调解",
        "达成书面协议",
        "（2026）东村调委排字第0012号",
        "特此函告",
    ],
}


@pytest.mark.parametrize("code", CODES)
def test_document_shows_its_own_fields(rendered, code):
    text = squeeze(pdftotext(rendered[code][1]))
    for expected in CODE_SPECIFIC[code]:
        assert squeeze(expected) in text, f"{code}: {expected!r} missing"


def test_agreement_shows_every_term_numbered_in_chinese(rendered):
    text = squeeze(pdftotext(rendered["AGR"][1]))
    for number, term in enumerate(sample_context("AGR")["record"]["terms"], start=1):
        assert squeeze(f"{cn_number(number)}、{term}") in text
    assert "1、" not in text


@pytest.mark.parametrize("code", ["AGR", "NOT", "DEC"])
def test_fonts_are_embedded_noto_serif_cjk_subsets(rendered, code):
    fonts = subprocess.run(
        ["pdffonts", str(rendered[code][1])], check=True, capture_output=True
    ).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "Noto-Serif-CJK-SC" in name
        assert (emb, sub) == ("yes", "yes"), row


def test_pdf_is_pdfa3b_and_carries_the_record_as_json(rendered, out_dir):
    _, path = rendered["AGR"]
    listing = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, check=True)
    assert "record.json" in listing.stdout.decode()
    target = out_dir / "record.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(target), str(path)], check=True)
    assert json.loads(target.read_text()) == sample_context("AGR")
    assert b"/AFRelationship /Data" in pdf_objects(path.read_bytes())
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, check=True).stdout
    assert b'pdfaid:part="3" pdfaid:conformance="B"' in xmp


def test_party_names_are_escaped_not_interpreted(out_dir):
    context = sample_context("DEC")
    context["parties"][0]["name"] = '<b>张三</b><img src="http://127.0.0.1:9/x.png">'
    text = squeeze(pdftotext(write(out_dir, "escaped", render_document("DEC", context))))
    assert squeeze('<b>张三</b><img src="http://127.0.0.1:9/x.png">') in text


def test_terminated_by_withdrawal_names_who_withdrew(out_dir):
    context = sample_context("TRM", kind="withdrawn", withdrawn_by="申请人张三", reason="")
    text = squeeze(pdftotext(write(out_dir, "TRM-withdrawn", render_document("TRM", context))))
    assert "申请人张三于2026年11月30日要求终止调解" in text
    assert "第二十三条" in text


def test_oral_application_has_its_own_title(out_dir):
    context = sample_context("APP", application_kind="oral")
    text = squeeze(pdftotext(write(out_dir, "APP-oral", render_document("APP", context))))
    assert labels.ORAL_APPLICATION_TITLE in text
    assert "以口头方式" in text


def test_running_header_is_on_later_pages_only(rendered):
    _, path = rendered["AGR"]
    assert rendered["AGR"][0].pages >= 2
    first_page_lines = pdftotext(path, 1).split("\n")
    second_page_lines = pdftotext(path, 2).split("\n")
    assert first_page_lines[0].strip() == "人民调解协议书"  # the title, no header above it
    assert CASE_NUMBER in second_page_lines[0] or CASE_NUMBER in "".join(second_page_lines[:3])


def test_unknown_code_is_refused():
    with pytest.raises(ValueError):
        render_document("XYZ", sample_context("AGR"))


# --- missing glyphs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "missing"),
    [
        ("\ue000", True),  # Private Use Area: no font has it
        ("\U00031350", True),  # CJK Extension G: beyond Noto CJK and HanaMin
        ("\U00020000", False),  # Extension B 生僻字: the HanaMin fallback draws it
    ],
)
def test_missing_glyph_is_flagged(char, missing):
    context = sample_context("DEC")
    context["parties"][0]["name"] = f"张{char}"
    assert render_document("DEC", context).missing_glyphs is missing


def test_rare_character_falls_back_to_an_embedded_hanamin_subset(out_dir):
    context = sample_context("DEC")
    context["parties"][0]["name"] = "张\U0002a6a5"  # 𪚥, not in Noto CJK
    path = write(out_dir, "rare", render_document("DEC", context))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout
    hanamin = [line.split() for line in fonts.decode().splitlines() if "HanaMin" in line]
    assert hanamin and all(row[-5:-3] == ["yes", "yes"] for row in hanamin)
    assert "张\U0002a6a5" in pdftotext(path)


def test_missing_glyph_is_flagged_when_weasyprint_logging_is_silenced():
    logger = logging.getLogger("weasyprint")
    old_level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        context = sample_context("DEC")
        context["parties"][0]["name"] = "张\ue000"
        assert render_document("DEC", context).missing_glyphs
        assert logger.level == logging.ERROR
        assert not logger.filters
    finally:
        logger.setLevel(old_level)


# --- determinism ------------------------------------------------------------------------------

HASH_SCRIPT = """
import hashlib, sys
import django
django.setup()
from documents.renderer import render_document, render_dossier
from tests.documents.samples import sample_context
agreement = render_document("AGR", sample_context("AGR")).pdf
dossier = render_dossier(sample_context("DOS")).pdf
print(hashlib.sha256(agreement).hexdigest(), hashlib.sha256(dossier).hexdigest())
"""


def test_same_context_gives_same_bytes_across_processes(rendered, dossier):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("SECRET_KEY", "renderer-determinism-test-" + "x" * 40)
    # Different hash seeds, so that nothing may depend on dict or set ordering.
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HASH_SCRIPT],
            cwd=ROOT,
            env={**env, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in ("1", "2")
    ]
    outputs = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
        outputs.append(stdout.decode().split())
    here = [
        hashlib.sha256(rendered["AGR"][0].pdf).hexdigest(),
        hashlib.sha256(dossier[1].pdf).hexdigest(),
    ]
    assert outputs[0] == outputs[1] == here


def test_issue_time_is_pinned_in_the_metadata(rendered):
    objects = pdf_objects(rendered["AGR"][0].pdf)
    assert b"/CreationDate (D:20261127100000+08'00)" in objects
    assert b"/ModDate (D:20261127100000+08'00)" in objects
    assert b"/CreationDate (D:20261127020000Z)" in objects  # the attachment's, written in UTC


# --- dossier ----------------------------------------------------------------------------------


def test_dossier_has_cover_contents_documents_and_notes(dossier):
    context, result, path = dossier
    text = squeeze(pdftotext(path))
    assert result.pages == pdf_page_count(path)
    assert not result.missing_glyphs
    for expected in ["人民调解卷宗", "卷宗编号", "卷内目录", "备考表", "长期", CASE_NUMBER]:
        assert expected in text
    for code in DOSSIER_ORDER:
        assert squeeze(TITLES[code]) in text
    assert f"共{result.pages}页" in squeeze(pdftotext(path, 1))
    # the evidence photos kept in the electronic file, on the 备考表 by their hash
    notes = squeeze(pdftotext(path, result.pages))
    assert "卷内另附证据照片1张" in notes and "调查证据照片（调查2026" in notes
    assert "3f9a6c1e" * 8 in notes


def test_dossier_contents_page_numbers_are_right(dossier):
    context, result, path = dossier
    contents = pdftotext(path, 2, layout=True)
    # A row ends with its date then its page number; the rows are in dossier order.
    printed = [int(n) for n in re.findall(r"\d{4}年\d{1,2}月\d{1,2}日\s+(\d+)\s*$", contents, re.M)]
    titles = [TITLES[code] for code in DOSSIER_ORDER] + ["备考表"]
    assert len(printed) == len(titles)
    assert printed == sorted(printed) and printed[0] == 3
    assert printed[-1] == result.pages
    for title, page in zip(titles, printed, strict=True):
        assert title in squeeze(pdftotext(path, page)), f"{title} not on page {page}"
        if page - 1 > 2:  # page 2 is the contents, where every title is listed
            previous = squeeze(pdftotext(path, page - 1))
            assert title not in previous, f"{title} starts before page {page}"


# --- formatting helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("12000.00", "壹万贰仟元整"),
        ("4800", "肆仟捌佰元整"),
        ("100005", "壹拾万零伍元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10203.45", "壹万零贰佰零叁元肆角伍分"),
        ("0.50", "伍角整"),
        ("300000000", "叁亿元整"),
        ("100200300", "壹亿零贰拾万零叁佰元整"),
        ("7.05", "柒元零伍分"),
        ("0", "零元整"),
        ("abc", ""),
    ],
)
def test_rmb_upper(amount, words):
    assert rmb_upper(amount) == words


def test_cn_date_and_number():
    assert cn_date("2026-11-02") == "2026年11月2日"
    assert cn_date("2026-11-02 09:05") == "2026年11月2日 09时05分"
    assert cn_date("见2026-11-02记录") == "见2026-11-02记录"
    assert [cn_number(n) for n in (1, 10, 12, 20, 99)] == ["一", "十", "十二", "二十", "九十九"]
